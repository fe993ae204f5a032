package dev.incubator.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class GpuHoursTest {
    @Test
    void decimalAmountsAreHeldExactlyInThousandths() {
        assertThat(GpuHours.of(new BigDecimal("12.345")).milli()).isEqualTo(12_345);
        assertThat(GpuHours.of(new BigDecimal("-0.5")).milli()).isEqualTo(-500);
        assertThat(GpuHours.of(new BigDecimal("1E+3")).milli()).isEqualTo(1_000_000);
        assertThat(GpuHours.ofMilli(1).plus(GpuHours.ofMilli(2)).toString()).isEqualTo("0.003");
    }

    @Test
    void moreThanThreeDecimalsOrAbsurdAmountsAreRefused() {
        assertThatThrownBy(() -> GpuHours.of(new BigDecimal("0.0001"))).hasMessageContaining("three decimal places");
        assertThatThrownBy(() -> GpuHours.of(new BigDecimal("1e10"))).hasMessageContaining("at most");
    }

    @Test
    void gpuSecondsRoundToTheNearestThousandth() {
        assertThat(GpuHours.ofSeconds(3600).milli()).isEqualTo(1000);
        assertThat(GpuHours.ofSeconds(1.8).milli()).isEqualTo(1);
    }
}
