package dev.incubator.server;

import dev.incubator.tenancy.GrantService;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.List;

/**
 * Every grant in effect as Prometheus series, refreshed by the server's background schedule:
 * {@code incubator_grant_balance_gpu_hours} and {@code incubator_grant_used_ratio}, labelled by organisation, grant
 * and programme. A grant that ends or is exhausted to expiry drops out at the next refresh.
 */
final class GrantTelemetry {
    private final GrantService grants;
    private final MultiGauge balance;
    private final MultiGauge used;

    GrantTelemetry(GrantService grants, MeterRegistry metrics) {
        this.grants = grants;
        this.balance = MultiGauge.builder("incubator.grant.balance.gpu.hours")
                .description("GPU-hours left on a grant in effect").register(metrics);
        this.used = MultiGauge.builder("incubator.grant.used.ratio")
                .description("Share of a grant's GPU-hours used (0 to 1)").register(metrics);
    }

    void refresh() {
        List<GrantService.InEffect> inEffect = grants.inEffect();
        balance.register(inEffect.stream().map(grant -> MultiGauge.Row.of(tags(grant),
                grant.status().balance().toBigDecimal().doubleValue())).toList(), true);
        used.register(inEffect.stream().map(grant -> MultiGauge.Row.of(tags(grant),
                grant.status().usedPercent().doubleValue() / 100)).toList(), true);
    }

    private static Tags tags(GrantService.InEffect grant) {
        return Tags.of("organisation", grant.organisation(), "grant", grant.status().grant().id().value(),
                "programme", grant.status().grant().programme());
    }
}
