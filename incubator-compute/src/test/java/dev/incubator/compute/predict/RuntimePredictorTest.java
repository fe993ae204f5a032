package dev.incubator.compute.predict;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RuntimePredictorTest {
    @Test
    void aNewcomerWithNoHistoryAnywhereGetsNoPrediction() {
        assertThat(new RuntimePredictor(5).predict("alice", 1)).isEmpty();
    }

    @Test
    void theUsersOwnJobsOfTheSameSizeComeFirstThenTheUserThenTheSize() {
        RuntimePredictor predictor = new RuntimePredictor(5);
        predictor.record("alice", 8, Duration.ofHours(10));
        predictor.record("alice", 1, Duration.ofMinutes(10));
        predictor.record("alice", 1, Duration.ofMinutes(20));
        predictor.record("bob", 4, Duration.ofHours(2));

        assertThat(predictor.predict("alice", 1)).contains(Duration.ofMinutes(15));
        assertThat(predictor.predict("alice", 8)).contains(Duration.ofHours(10));
        // alice never ran 2 GPUs: her own mean over all sizes (10 h, 10 min, 20 min).
        assertThat(predictor.predict("alice", 2)).contains(Duration.ofSeconds((36_000 + 600 + 1_200) / 3));
        // carol is new: what 4-GPU jobs took cluster-wide.
        assertThat(predictor.predict("carol", 4)).contains(Duration.ofHours(2));
    }

    @Test
    void onlyTheLastRunsOfTheWindowCount() {
        RuntimePredictor predictor = new RuntimePredictor(2);
        predictor.record("alice", 1, Duration.ofHours(100));
        predictor.record("alice", 1, Duration.ofMinutes(10));
        predictor.record("alice", 1, Duration.ofMinutes(30));
        assertThat(predictor.predict("alice", 1)).contains(Duration.ofMinutes(20));
    }
}
