package dev.incubator.compute.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.incubator.compute.scheduler.Gpu;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The parsing of nvidia-smi's CSV output, on samples of what it prints. */
class NvidiaSmiParsingTest {
    @Test
    void inventoryLinesBecomeGpusWithNormalisedModelNames() {
        assertThat(LocalInventory.parse("0, NVIDIA H200, 143771\n1, NVIDIA A100-SXM4-80GB, 81920\n"))
                .containsExactly(new Gpu(0, "h200", 143_771, "local"), new Gpu(1, "a100-sxm4-80gb", 81_920, "local"));
    }

    @Test
    void powerDrawIsReadPerGpuAndMissingReadingsAreSkipped() {
        assertThat(NvidiaSmiPowerMeter.parse("0, 312.45\n1, [N/A]\ngarbage\n")).isEqualTo(Map.of(0, 312.45));
    }
}
