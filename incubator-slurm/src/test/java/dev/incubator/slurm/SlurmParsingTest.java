package dev.incubator.slurm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.incubator.compute.scheduler.Node;
import org.junit.jupiter.api.Test;

/** What Slurm reports, decoded without a Slurm: wait statuses, GPU indices, node states and gres. */
class SlurmParsingTest {
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void waitStatusesAreDecodedLikeAShellWould() {
        assertThat(SlurmExecutor.exitCode(0)).isZero();
        assertThat(SlurmExecutor.exitCode(768)).isEqualTo(3);
        assertThat(SlurmExecutor.exitCode(9)).isEqualTo(137);
        assertThat(SlurmExecutor.exitCode(15)).isEqualTo(143);
    }

    @Test
    void gpuIndicesComeFromTheGresDetail() {
        assertThat(SlurmExecutor.gpuIndices("gpu:fake:3(IDX:0-2)")).containsExactly(0, 1, 2);
        assertThat(SlurmExecutor.gpuIndices("gpu:a100:3(IDX:0-1,4)")).containsExactly(0, 1, 4);
        assertThat(SlurmExecutor.gpuIndices("gpu:2")).isEmpty();
    }

    @Test
    void nodesBringTheirGpusAndOnlyHealthyOnesAreSchedulable() throws Exception {
        Node idle = SlurmInventory.node(json.readTree("""
                {"name": "g1", "gres": "gpu:a100:8(S:0-1)", "state": "idle", "state_flags": [], "cpus": 64,
                 "real_memory": 512000}"""));
        assertThat(idle.gpus()).hasSize(8).allSatisfy(gpu -> assertThat(gpu.type()).isEqualTo("a100"));
        assertThat(idle.schedulable()).isTrue();
        Node draining = SlurmInventory.node(json.readTree("""
                {"name": "g2", "gres": "gpu:4", "state": "mixed", "state_flags": ["DRAIN"]}"""));
        assertThat(draining.gpus()).hasSize(4).allSatisfy(gpu -> assertThat(gpu.type()).isEqualTo("gpu"));
        assertThat(draining.schedulable()).isFalse();
        assertThat(SlurmInventory.node(json.readTree("{\"name\": \"g3\", \"gres\": \"\", \"state\": \"down\"}"))
                .schedulable()).isFalse();
    }

    @Test
    void aJobsScriptQuotesEveryArgument() {
        dev.incubator.compute.Job job = new dev.incubator.compute.Job("job_1", "org_1", "lab", "admin",
                new dev.incubator.compute.JobSpec("it", java.util.List.of("python", "-c", "print('hi there')"),
                        java.util.Map.of(), 1, 1000, java.util.Optional.empty(), 1, 512, java.time.Duration.ofMinutes(5),
                        dev.incubator.compute.PriorityClass.NORMAL, java.util.Optional.empty(),
                        java.time.Duration.ofSeconds(5), 0, java.util.List.of()),
                dev.incubator.compute.JobState.PENDING, java.util.Optional.empty(), java.util.Optional.empty(), 0,
                java.util.Optional.empty(), java.time.Instant.EPOCH, 1, java.util.Optional.empty(),
                java.util.Optional.empty(), java.util.List.of(), false, false, java.util.Optional.empty(),
                java.util.Optional.empty(), java.util.Optional.empty(), java.util.Optional.empty(), 0, 0, 1, 1);
        assertThat(SlurmExecutor.script(job)).endsWith("exec 'python' '-c' 'print('\\''hi there'\\'')'\n");
        assertThat(SlurmExecutor.slurmName(job)).isEqualTo("incubator-job_1-1");
    }
}
