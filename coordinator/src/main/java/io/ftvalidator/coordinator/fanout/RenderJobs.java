package io.ftvalidator.coordinator.fanout;

import io.ftvalidator.schemas.RenderJob;
import io.ftvalidator.schemas.Topics;
import io.ftvalidator.schemas.ValidationRequest;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/** The render job of one image of a validation, made once at fan-out (the workers' share group redelivers it when needed). */
public final class RenderJobs {

    private RenderJobs() {}

    public static RenderJob of(ValidationRequest request, int index, String prompt) {
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
