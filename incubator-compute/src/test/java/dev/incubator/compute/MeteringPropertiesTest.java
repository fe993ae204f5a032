package dev.incubator.compute;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Over a job's life the ledger is charged its metered usage exactly, to the milli-GPU-hour. */
class MeteringPropertiesTest {
    private static final long GPU_MILLISECONDS_PER_MILLI_GPU_HOUR = 3_600;

    @Test
    void debitsOfRandomSlicesSumToTheMeteredUsageRoundedDownOnce() {
        SplittableRandom random = new SplittableRandom(20261201);
        for (int job = 0; job < 2_000; job++) {
            // A share of one GPU (fractional) or whole GPUs, several attempts (restarts, preemptions), slices of
            // random length as the metering interval and the cycle make them.
            int gpuMillis = random.nextBoolean() ? 1 + random.nextInt(999) : 1000 * (1 + random.nextInt(8));
            long metered = 0;
            long debited = 0;
            int attempts = 1 + random.nextInt(4);
            for (int attempt = 0; attempt < attempts; attempt++) {
                int slices = random.nextInt(40);
                for (int slice = 0; slice < slices; slice++) {
                    long elapsedMillis = 1 + random.nextLong(random.nextBoolean() ? 5_000 : 3_600_000);
                    long sliceGpuMilliseconds = gpuMillis * elapsedMillis / 1000;
                    long debit = ComputeService.debitFor(metered, sliceGpuMilliseconds);
                    assertThat(debit).isNotNegative();
                    debited += debit;
                    metered += sliceGpuMilliseconds;
                }
            }
            assertThat(debited).as("job %d", job).isEqualTo(metered / GPU_MILLISECONDS_PER_MILLI_GPU_HOUR);
        }
    }

    @Test
    void shortSlicesAreCarriedUntilTheyMakeAMilliGpuHour() {
        // One GPU for 1.2 s at a time: 1,200 GPU-ms per slice, a milli-GPU-hour every third slice.
        long metered = 0;
        long[] debits = new long[6];
        for (int slice = 0; slice < debits.length; slice++) {
            debits[slice] = ComputeService.debitFor(metered, 1_200);
            metered += 1_200;
        }
        assertThat(debits).containsExactly(0, 0, 1, 0, 0, 1);
    }

    @Test
    void theOldFlooringPerSliceWouldHaveUnderchargedLongJobs() {
        // A quarter GPU metered every 60 s for a day: 15,000 GPU-ms a slice = 4.1667 milli-GPU-hours.
        long metered = 0;
        long exact = 0;
        long flooredPerSlice = 0;
        for (int slice = 0; slice < 1_440; slice++) {
            exact += ComputeService.debitFor(metered, 15_000);
            flooredPerSlice += 15_000 / GPU_MILLISECONDS_PER_MILLI_GPU_HOUR;
            metered += 15_000;
        }
        assertThat(exact).isEqualTo(6_000); // 0.25 GPU x 24 h
        assertThat(flooredPerSlice).isEqualTo(5_760); // 4 % short
    }
}
