package io.ftvalidator.coordinator.aggregation;

import io.ftvalidator.schemas.RenderJob;
import io.ftvalidator.schemas.ValidationRequest;

/** The render job of one image of a validation. */
final class RenderJobs {

    private RenderJobs() {}

    static RenderJob of(ValidationRequest request, int index, String prompt) {
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
}
