package io.ftvalidator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DashboardQueriesTest {

    @Test
    void shouldFindTheMetricNamesOfAnExpressionAndNothingElse() {
        assertThat(DashboardQueries.names("histogram_quantile(0.95, sum by (le, card) (rate(ftval_worker_render_seconds_bucket{job=\"w\"}[5m])))"))
                .containsExactly("ftval_worker_render_seconds_bucket");
        assertThat(DashboardQueries.names("max(a_lag) > 0 and delta(max(a_lag)[15m:1m]) > 0 unless on (instance) up == 0"))
                .containsExactly("a_lag", "a_lag", "up");
        assertThat(DashboardQueries.names("sum(rate(x_total[$__rate_interval])) / ignoring(reason) group_left sum(y) * 1e3"))
                .containsExactly("x_total", "y");
    }
}
