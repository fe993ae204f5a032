package dev.incubator.compute;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class JobStateTest {
    @Test
    void theHappyPathAndPreemptionAreLegal() {
        assertThat(JobState.PENDING.moveTo(JobState.ADMITTED).moveTo(JobState.RUNNING).moveTo(JobState.SUCCEEDED))
                .isEqualTo(JobState.SUCCEEDED);
        assertThat(JobState.RUNNING.moveTo(JobState.PREEMPTED).moveTo(JobState.PENDING)).isEqualTo(JobState.PENDING);
    }

    @Test
    void finalStatesNeverChangeAndShortcutsAreImpossible() {
        for (JobState state : JobState.values()) {
            if (state.isFinal()) {
                for (JobState next : JobState.values()) {
                    assertThat(state.canMoveTo(next)).as(state + " -> " + next).isFalse();
                }
            }
        }
        assertThatThrownBy(() -> JobState.PENDING.moveTo(JobState.RUNNING))
                .hasMessage("a pending job can not become running");
        assertThat(JobState.SUCCEEDED.isFinal()).isTrue();
        assertThat(JobState.PREEMPTED.isFinal()).isFalse();
        assertThat(JobState.ADMITTED.canMoveTo(JobState.PENDING)).as("an admitted job never launched is requeued").isTrue();
    }
}
