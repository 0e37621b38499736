package io.ftvalidator.coordinator.intake;

import io.ftvalidator.schemas.SubmissionSpec;
import io.ftvalidator.schemas.ValidationRequest;
import io.ftvalidator.validation.Limits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * An upper bound of the bytes a validation's state record will take once every score and the
 * decision are in, from its request alone: the request itself (exactly, as Avro writes it), a
 * prompt per image, a nonce per image, one score per image and the decision, each with every text
 * at the longest the score check lets in ({@link Limits#MAX_SCORE_TEXT} and the error limits). The
 * state is one changelog record: a request whose bound passes {@link Limits#MAX_STATE_BYTES} is
 * refused at intake, before it could stop the aggregation at its last score.
 */
public final class StateSize {

    /** An Avro length or int prefix, at its longest. */
    private static final int VARINT = 5;
    private static final int VARLONG = 10;

    private StateSize() {}

    /** @param defaultPool the coordinator's own prompts, drawn from when the request gives none */
    public static long estimate(ValidationRequest r, List<String> defaultPool) {
        long images = Math.max(0, r.getImages());
        int submissions = r.getSubmissions() == null ? 0 : r.getSubmissions().size();
        long idBytes = text(r.getValidationId());
        long request = avroBytes(r);
        long longestPrompt = longest(r.getPrompts().isEmpty() && r.getPromptPool().isEmpty() ? defaultPool
                : r.getPrompts().isEmpty() ? r.getPromptPool() : r.getPrompts());
        long submissionIds = 0;
        for (SubmissionSpec s : r.getSubmissions() == null ? List.<SubmissionSpec>of() : r.getSubmissions()) {
            submissionIds += text(s.getId());
        }
        long maxScoreText = Limits.MAX_SCORE_TEXT + VARINT;
        long error = 1 + Limits.MAX_ERROR_KIND + VARINT + Limits.MAX_ERROR_MESSAGE + VARINT + 1;
        long result = 1 + VARLONG + VARLONG + error; // hash union, renderMillis, error union
        long score = idBytes + VARINT + VARINT + maxScoreText
                + (1 + maxScoreText + VARLONG + VARINT + maxScoreText + 1) // device
                + VARINT + submissionIds + submissions * result + VARLONG + VARLONG + 33;
        long pairs = (long) submissions * (submissions - 1) / 2;
        long decision = idBytes + 2 + 4000 + 1 + 8 + 1 + 3 * VARINT + images * VARINT
                + pairs * (2 * (Limits.MAX_SCORE_TEXT + VARINT) + 8 + VARINT + images * 2 + VARINT + 1)
                + 3 * (submissionIds + submissions * VARINT) // agreeing, outliers, failed ids
                + submissions * (error + 40) // failed reasons: "image i: KIND: message"
                + images * (VARINT + maxScoreText + 1 + maxScoreText) // renders
                + VARLONG;
        return request
                + images * (longestPrompt + VARINT) // the prompt of each image
                + images * (32 + VARINT) // the nonce of each job
                + images * score
                + 1 + decision;
    }

    private static long avroBytes(ValidationRequest r) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new SpecificDatumWriter<>(ValidationRequest.class).write(r, encoder);
            encoder.flush();
            return out.size();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            // a request with missing fields cannot be written: it is refused for those anyway
            return 0;
        }
    }

    private static long longest(List<String> texts) {
        return texts.stream().mapToLong(StateSize::text).max().orElse(0);
    }

    private static long text(String s) {
        return s == null ? 0 : s.getBytes(StandardCharsets.UTF_8).length + VARINT;
    }
}
