package dev.incubator.compute;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class HumanDurationTest {
    @Test
    void durationsReadAsPeopleWriteThem() {
        assertThat(ComputeService.humanDuration(Duration.ofMinutes(90))).isEqualTo("1h30m");
        assertThat(ComputeService.humanDuration(Duration.ofSeconds(45))).isEqualTo("45s");
        assertThat(ComputeService.humanDuration(Duration.ofDays(14))).isEqualTo("14d");
        assertThat(ComputeService.humanDuration(Duration.ZERO)).isEqualTo("0s");
    }
}
