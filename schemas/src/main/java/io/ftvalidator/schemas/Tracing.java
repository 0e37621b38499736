package io.ftvalidator.schemas;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * A validation's trace across the services: the context travels in the records' headers (W3C
 * {@code traceparent}, as every OpenTelemetry Kafka instrumentation writes it), and every span
 * names its validation. Spans: the REST request (Quarkus), {@code ftval.intake}, {@code ftval.fanout}
 * on the coordinator; {@code ftval.job} with one {@code ftval.render} per submission on a worker;
 * {@code ftval.score} and {@code ftval.decision} back on the coordinator. With the SDK disabled
 * (the default) every call here is a no-op.
 */
public final class Tracing {

    public static final AttributeKey<String> VALIDATION_ID = AttributeKey.stringKey("ftval.validation.id");
    public static final AttributeKey<Long> IMAGE_INDEX = AttributeKey.longKey("ftval.image.index");
    public static final String SCOPE = "io.ftvalidator";

    private static final TextMapGetter<Headers> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers headers) {
            List<String> keys = new ArrayList<>();
            headers.forEach(h -> keys.add(h.key()));
            return keys;
        }

        @Override
        public String get(Headers headers, String key) {
            Header h = headers == null ? null : headers.lastHeader(key);
            return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
        }
    };

    private static final TextMapSetter<Headers> SETTER = (headers, key, value) -> {
        headers.remove(key);
        headers.add(key, value.getBytes(StandardCharsets.UTF_8));
    };

    private final OpenTelemetry otel;

    public Tracing(OpenTelemetry otel) {
        this.otel = otel;
    }

    public static Tracing disabled() {
        return new Tracing(OpenTelemetry.noop());
    }

    /** The context a record carries in its headers (the root context when it carries none). */
    public Context extract(Headers headers) {
        return otel.getPropagators().getTextMapPropagator().extract(Context.root(), headers, GETTER);
    }

    /** Writes {@code context} into {@code headers}, replacing what was there. */
    public void inject(Context context, Headers headers) {
        otel.getPropagators().getTextMapPropagator().inject(context, headers, SETTER);
    }

    /** A span of this validation, child of {@code parent}; the caller ends it. */
    public Span start(String name, SpanKind kind, Context parent, String validationId) {
        return otel.getTracer(SCOPE).spanBuilder(name).setSpanKind(kind).setParent(parent)
                .setAttribute(VALIDATION_ID, String.valueOf(validationId)).startSpan();
    }
}
