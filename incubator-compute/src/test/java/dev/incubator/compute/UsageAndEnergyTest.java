package dev.incubator.compute;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class UsageAndEnergyTest {
    private static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");

    @Test
    void usageHalvesEveryHalfLife() {
        List<UsageRecord> records = List.of(
                record(NOW, 3_600_000),                         // one GPU-hour just now
                record(NOW.minus(Duration.ofDays(7)), 3_600_000), // one GPU-hour a half-life ago
                record(NOW.minus(Duration.ofDays(14)), 3_600_000));
        assertThat(ComputeService.decayedGpuSeconds(records, NOW, Duration.ofDays(7)))
                .isCloseTo(3600 * (1 + 0.5 + 0.25), within(1e-6));
    }

    @Test
    void energyIsEstimatedFromRatedPowerAndCarbonFromTheGridFactor() {
        double wattHours = EnergyModel.estimateWattHours("a100-80g", 2 * 3_600_000L); // two A100-hours
        assertThat(wattHours).isEqualTo(800.0);
        assertThat(EnergyModel.ratedWatts("NVIDIA H100 80GB HBM3")).isEqualTo(700);
        assertThat(EnergyModel.ratedWatts("virtual")).isEqualTo(300);
        assertThat(new EnergyModel(EnergyModel.DEFAULT_GRID_FACTOR).co2eKg(wattHours)).isCloseTo(0.45624, within(1e-9));
    }

    private static UsageRecord record(Instant at, long gpuMilliseconds) {
        return new UsageRecord("job_1", "org_1", "train", at, "a100", gpuMilliseconds, 0, true);
    }
}
