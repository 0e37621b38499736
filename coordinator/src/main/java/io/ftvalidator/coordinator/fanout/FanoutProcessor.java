package io.ftvalidator.coordinator.fanout;

import io.ftvalidator.coordinator.state.Timers;
import io.ftvalidator.coordinator.state.ValidationStores;
import io.ftvalidator.noise.Prompts;
import io.ftvalidator.schemas.ValidationRequest;
import io.ftvalidator.schemas.ValidationState;
import io.micrometer.core.instrument.Counter;
import io.ftvalidator.schemas.Tracing;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * Request -> render jobs: takes a request the intake has accepted, resolves each image's prompt
 * (given in turn, or drawn from a pool with the seed), makes each job's nonce, records the validation's
 * state with its deadline and nonces, and publishes one render job per image.
 */
public final class FanoutProcessor implements Processor<String, ValidationRequest, String, SpecificRecord> {

    /** This processor's node name in the topology; the intake forwards accepted requests to it. */
    public static final String NAME = "fanout";

    private static final Logger LOG = Logger.getLogger(FanoutProcessor.class);

    private final List<String> defaultPool;
    private final double resendAt;
    private final Counter accepted;
    private final Counter jobs;
    private final Tracing tracing;
    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<String, ValidationState> store;
    private Timers timers;

    /**
     * @param defaultPool the prompts images draw from when a request gives none
     * @param resendAt the share of the validation's window after which the jobs of images still
     *     without a score are published once more ({@link Timers.Kind#RESEND}); 0: never
     */
    public FanoutProcessor(List<String> defaultPool, double resendAt, MeterRegistry metrics, Tracing tracing) {
        this.tracing = tracing;
        this.defaultPool = List.copyOf(defaultPool);
        this.resendAt = resendAt;
        this.accepted = metrics.counter("ftval.validations.accepted");
        this.jobs = metrics.counter("ftval.render.jobs.published");
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.store = context.getStateStore(ValidationStores.VALIDATIONS);
        this.timers = new Timers(context.getStateStore(ValidationStores.TIMERS));
    }

    @Override
    public void process(Record<String, ValidationRequest> record) {
        ValidationRequest request = record.value();
        String id = request.getValidationId();
        MDC.put("validationId", id);
        // a child of the intake's span (current: the intake forwards here on its own thread); each job carries this span's context
        Span span = tracing.start("ftval.fanout", SpanKind.PRODUCER, Context.current(), id);
        span.setAttribute("ftval.images", (long) request.getImages());
        try {
            List<String> prompts = Prompts.forImages(request.getPrompts(),
                    request.getPromptPool().isEmpty() ? defaultPool : request.getPromptPool(), request.getSeed(), request.getImages());
            List<String> nonces = RenderJobs.nonces(request.getImages());
            store.put(id, new ValidationState(request, prompts, List.of(), null, nonces));
            timers.schedule(request.getDeadlineMillis(), id, Timers.Kind.DEADLINE);
            long now = context.currentSystemTimeMs();
            long resend = now + (long) ((request.getDeadlineMillis() - now) * resendAt);
            if (resendAt > 0 && resend > now && resend < request.getDeadlineMillis()) {
                timers.schedule(resend, id, Timers.Kind.RESEND);
            }
            for (int i = 0; i < request.getImages(); i++) {
                RecordHeaders headers = new RecordHeaders();
                tracing.inject(Context.current().with(span), headers);
                RenderJobs.send(context, RenderJobs.of(request, i, prompts.get(i), nonces.get(i)), record.timestamp(), headers);
            }
            accepted.increment();
            jobs.increment(request.getImages());
            LOG.infof("accepted, %d submissions x %d images, %d render jobs published",
                    request.getSubmissions().size(), request.getImages(), request.getImages());
        } finally {
            span.end();
            MDC.remove("validationId");
        }
    }
}
