package io.ftvalidator.coordinator.intake;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * What each requester may submit over REST: validations per minute, and render cost
 * (megapixel-steps, {@link io.ftvalidator.validation.Limits#renderCost}) per hour, each a token
 * bucket that refills evenly and starts full. {@code ftval.quotas.per-minute} and
 * {@code ftval.quotas.cost-per-hour} for every requester, {@code ftval.quotas."<requester>".per-minute}
 * and {@code .cost-per-hour} for one. Kept by the coordinator that owns a request's id (the one
 * that answers its post), so with n coordinators a requester may reach n times its quota at most.
 * Requests written to the Kafka topic are the producing service's, bounded by its ACLs and broker
 * quotas (deploy/k8s/kafka-users.yaml).
 */
@ApplicationScoped
public class RequesterQuotas {

    /** Why a request is refused, and when the same request would be admitted. */
    public record Refusal(String why, Duration retryAfter) {}

    @ConfigProperty(name = "ftval.quotas.per-minute", defaultValue = "120")
    double perMinute;

    @ConfigProperty(name = "ftval.quotas.cost-per-hour", defaultValue = "1000000")
    double costPerHour;

    @Inject
    Config config;

    private final ConcurrentHashMap<String, Buckets> byRequester = new ConcurrentHashMap<>();

    /** Charges one validation of {@code cost} to {@code requester}, or says why not (nothing charged then). */
    public Optional<Refusal> charge(String requester, double cost, long nowNanos) {
        Buckets b = byRequester.computeIfAbsent(requester, r -> buckets(r, nowNanos));
        synchronized (b) {
            b.requests.refill(nowNanos);
            b.cost.refill(nowNanos);
            if (cost > b.cost.capacity) {
                return Optional.of(new Refusal(String.format(Locale.ROOT, "the validation would cost %.0f megapixel-steps, more than"
                        + " requester %s may submit in an hour (%.0f)", cost, requester, b.cost.capacity), null));
            }
            if (b.requests.tokens < 1) {
                return Optional.of(new Refusal(String.format(Locale.ROOT, "requester %s may submit %.0f validations a minute",
                        requester, b.requests.capacity), b.requests.until(1)));
            }
            if (b.cost.tokens < cost) {
                return Optional.of(new Refusal(String.format(Locale.ROOT, "requester %s may submit %.0f megapixel-steps of renders"
                        + " an hour; %.0f are left, the validation costs %.0f", requester, b.cost.capacity, b.cost.tokens, cost),
                        b.cost.until(cost)));
            }
            b.requests.tokens -= 1;
            b.cost.tokens -= cost;
            return Optional.empty();
        }
    }

    private Buckets buckets(String requester, long now) {
        double minute = own(requester, "per-minute").orElse(perMinute);
        double hour = own(requester, "cost-per-hour").orElse(costPerHour);
        return new Buckets(new Bucket(minute, minute / 60e9, now), new Bucket(hour, hour / 3600e9, now));
    }

    /** {@code ftval.quotas.<requester>.<name>}, the name quoted or not (a requester's name may hold dots). */
    private Optional<Double> own(String requester, String name) {
        return config.getOptionalValue("ftval.quotas.\"" + requester + "\"." + name, Double.class)
                .or(() -> config.getOptionalValue("ftval.quotas." + requester + "." + name, Double.class));
    }

    private record Buckets(Bucket requests, Bucket cost) {}

    private static final class Bucket {
        final double capacity;
        final double perNano;
        double tokens;
        long at;

        Bucket(double capacity, double perNano, long now) {
            this.capacity = capacity;
            this.perNano = perNano;
            this.tokens = capacity;
            this.at = now;
        }

        void refill(long now) {
            if (now - at > 0) { // callers' clocks may be read a moment apart: time never runs back here
                tokens = Math.min(capacity, tokens + (now - at) * perNano);
                at = now;
            }
        }

        Duration until(double needed) {
            return Duration.ofNanos((long) Math.ceil((needed - tokens) / perNano));
        }
    }
}
