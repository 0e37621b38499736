package io.ftvalidator.coordinator.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

class RequesterQuotasTest {

    private static final long MINUTE = Duration.ofMinutes(1).toNanos();

    private static RequesterQuotas quotas(double perMinute, double costPerHour) {
        RequesterQuotas q = new RequesterQuotas();
        q.perMinute = perMinute;
        q.costPerHour = costPerHour;
        q.config = ConfigProvider.getConfig();
        return q;
    }

    @Test
    void shouldRefuseTheThirdValidationOfAMinuteSayingWhenToRetryAndKeepOthersApart() {
        RequesterQuotas q = quotas(2, 1e9);
        long t = System.nanoTime();
        assertThat(q.charge("a", 1, t)).isEmpty();
        assertThat(q.charge("a", 1, t)).isEmpty();
        RequesterQuotas.Refusal third = q.charge("a", 1, t).orElseThrow();
        assertThat(third.why()).isEqualTo("requester a may submit 2 validations a minute");
        assertThat(third.retryAfter()).isBetween(Duration.ofSeconds(29), Duration.ofSeconds(31));
        assertThat(q.charge("b", 1, t)).isEmpty(); // another requester has its own
        assertThat(q.charge("a", 1, t + MINUTE / 2 + 1_000_000)).isEmpty(); // one refilled after half a minute
    }

    @Test
    void shouldRefuseRenderCostPastTheHoursBudgetAndAValidationLargerThanItAtAll() {
        RequesterQuotas q = quotas(1000, 300);
        long t = System.nanoTime();
        assertThat(q.charge("a", 200, t)).isEmpty();
        RequesterQuotas.Refusal over = q.charge("a", 200, t).orElseThrow();
        assertThat(over.why()).isEqualTo("requester a may submit 300 megapixel-steps of renders an hour; 100 are left, the validation costs 200");
        assertThat(over.retryAfter()).isBetween(Duration.ofMinutes(19), Duration.ofMinutes(21));
        RequesterQuotas.Refusal never = q.charge("a", 301, t).orElseThrow();
        assertThat(never.why()).startsWith("the validation would cost 301 megapixel-steps, more than requester a may submit in an hour");
        assertThat(never.retryAfter()).isNull();
    }

    @Test
    void shouldHoldAnIdFromItsFirstPostUntilReleasedOrExpired() {
        IdReservations ids = new IdReservations();
        long t = System.nanoTime();
        assertThat(ids.reserve("v1", t)).isTrue();
        assertThat(ids.reserve("v1", t + 1)).isFalse();
        ids.release("v1");
        assertThat(ids.reserve("v1", t + 2)).isTrue();
        assertThat(ids.reserve("v1", t + IdReservations.HOLD.toNanos() + 3)).isTrue();
    }
}
