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

    @Test
    void gpusInUseAreTheMeteredGpuTimeOfEachBucketOverItsLength() {
        Instant since = NOW.minus(Duration.ofHours(1));
        List<UsageRecord> records = List.of(
                record(since.plusSeconds(60), 2 * 600_000),      // two GPUs for ten minutes, metered in the first bucket
                record(since.plusSeconds(120), 600_000),         // and one more GPU there
                record(since.plusSeconds(1800), 4 * 1_200_000),  // four GPUs for the whole of the second bucket
                record(since.minusSeconds(1), 3_600_000),        // before the window: left out
                record(NOW.plusSeconds(5), 3_600_000));          // after it: left out
        double[] busy = ComputeService.gpusInUse(records, since, NOW, Duration.ofMinutes(20));
        assertThat(busy).hasSize(3);
        assertThat(busy[0]).isCloseTo(1.5, within(1e-9));
        assertThat(busy[1]).isCloseTo(4.0, within(1e-9));
        assertThat(busy[2]).isZero();
    }

    private static UsageRecord record(Instant at, long gpuMilliseconds) {
        return new UsageRecord("job_1", "org_1", "train", at, "a100", gpuMilliseconds, 0, true);
    }
}
