package io.ftvalidator.coordinator.fanout;

import io.ftvalidator.schemas.RenderJob;
import io.ftvalidator.schemas.Topics;
import io.ftvalidator.schemas.ValidationRequest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/** The render job of one image of a validation, made once at fan-out (the workers' share group redelivers it when needed). */
public final class RenderJobs {

    private RenderJobs() {}

    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * One random nonce per image (128 bits, hex): a score is taken only with its job's nonce, so
     * that whoever can write to the scores topic but never saw the job cannot answer it.
     */
    public static List<String> nonces(int images) {
        List<String> out = new ArrayList<>(images);
        byte[] bytes = new byte[16];
        for (int i = 0; i < images; i++) {
            RANDOM.nextBytes(bytes);
            out.add(HexFormat.of().formatHex(bytes));
        }
        return out;
    }

    public static RenderJob of(ValidationRequest request, int index, String prompt, String nonce) {
        return RenderJob.newBuilder()
                .setValidationId(request.getValidationId())
                .setImageIndex(index)
                .setImages(request.getImages())
                .setSeed(request.getSeed())
                .setPrompt(prompt)
                .setSettings(request.getSettings())
                .setSubmissions(request.getSubmissions())
                .setHashAlgorithm(request.getHashAlgorithm())
                .setDeadlineMillis(request.getDeadlineMillis())
                .setNonce(nonce)
                .build();
    }

    /**
     * Publishes a job to {@link Topics#RENDER_JOBS}, keyed {@code validationId/imageIndex} (the sink is named after the topic),
     * with {@code headers} (the trace context).
     */
    public static void send(ProcessorContext<String, SpecificRecord> context, RenderJob job, long timestamp, Headers headers) {
        context.forward(new Record<String, SpecificRecord>(Topics.jobKey(job.getValidationId(), job.getImageIndex()), job, timestamp, headers),
                Topics.RENDER_JOBS.name());
    }
}
