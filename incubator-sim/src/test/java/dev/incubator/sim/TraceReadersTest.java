package dev.incubator.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.incubator.sim.PolicyResult;
import dev.incubator.sim.trace.ClusterSpec;
import dev.incubator.sim.trace.SyntheticTrace;
import dev.incubator.sim.trace.Trace;
import dev.incubator.sim.trace.TraceFormat;
import dev.incubator.sim.trace.TraceJob;
import dev.incubator.sim.trace.TraceReaders;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each trace format read from the shared traces where they exist, else from small files in their schema. */
class TraceReadersTest {

    private static Path shared(String relative) {
        Path fromModule = Path.of("../../shared/traces").resolve(relative);
        return Files.exists(fromModule) ? fromModule : Path.of("../shared/traces").resolve(relative);
    }

    @Test
    void theHeliosSliceBringsItsPoolsAsGuaranteesAndNeverItsWalltime() {
        Trace trace = TraceReaders.read(TraceFormat.HELIOS, shared("helios/helios_venus_2vc_sept_days01-13.csv"),
                Optional.empty(), Optional.empty());
        assertThat(trace.jobs()).hasSize(684);
        assertThat(trace.guarantees()).containsExactly(Map.entry("vcvGl", 160), Map.entry("vcvlY", 16));
        assertThat(trace.totalGpus()).isEqualTo(176);
        TraceJob first = trace.jobs().get(0);
        // 765563,uH3om,vcvGl,finetune,5835000000,128,,16,24.0,24.0,CANCELED
        assertThat(first.submission().id()).isEqualTo("765563");
        assertThat(first.submission().submitMillis()).isEqualTo(5_835_000);
        assertThat(first.submission().nodes()).isEqualTo(16);
        assertThat(first.submission().gpuMillisPerNode()).isEqualTo(8_000);
        assertThat(first.submission().requestedLimit()).isEmpty();
        assertThat(first.durationMillis()).isEqualTo(24_000);
        assertThat(trace.notes()).anyMatch(note -> note.contains("not given to any policy"));
    }

    @Test
    void rawHeliosAndAcmeLogsNeedAClusterAndGetDemandShares(@TempDir Path temp) throws Exception {
        Path helios = temp.resolve("cluster_log.csv");
        Files.writeString(helios, """
                job_id,user,vc,gpu_num,cpu_num,node_num,state,submit_time,start_time,end_time,duration,queue
                1,u1,vcA,8,16,1,COMPLETED,2020-09-01 00:00:00,2020-09-01 00:00:05,2020-09-01 01:00:05,3600,5
                2,u2,vcB,0,4,1,COMPLETED,2020-09-01 00:01:00,2020-09-01 00:01:00,2020-09-01 00:02:00,60,0
                3,u2,vcB,16,32,2,FAILED,2020-09-01 00:02:00,2020-09-01 00:03:00,2020-09-01 00:33:00,1800,60
                """);
        assertThatThrownBy(() -> TraceReaders.read(TraceFormat.HELIOS_RAW, helios, Optional.empty(), Optional.empty()))
                .hasMessageContaining("--cluster");
        Trace trace = TraceReaders.read(TraceFormat.HELIOS_RAW, helios, Optional.of(ClusterSpec.parse("4x8")),
                Optional.empty());
        assertThat(trace.jobs()).extracting(job -> job.submission().id()).containsExactly("1", "3");
        assertThat(trace.jobs().get(1).submission().submitMillis()).isEqualTo(120_000);
        assertThat(trace.jobs().get(1).submission().nodes()).isEqualTo(2);
        // GPU-time demand: vcA 8 x 3600, vcB 16 x 1800: equal, so 16 GPUs each of 32.
        assertThat(trace.guarantees()).containsExactly(Map.entry("vcA", 16), Map.entry("vcB", 16));

        Path acme = temp.resolve("trace_kalos.csv");
        Files.writeString(acme, """
                job_id,user,node_num,gpu_num,cpu_num,type,state,submit_time,start_time,end_time,duration,queue,gpu_time
                a1,alice,1,4,8,SFT,COMPLETED,2023-05-01 10:00:00,2023-05-01 10:00:10,2023-05-01 10:10:10,600,10,2400
                a2,bob,2,16,32,Pretrain,COMPLETED,2023-05-01 10:05:00,2023-05-01 10:05:00,2023-05-01 12:05:00,7200,0,115200
                """);
        Trace kalos = TraceReaders.read(TraceFormat.ACME, acme, Optional.of(ClusterSpec.parse("8x8:a100")),
                Optional.of(Map.of("alice", 8, "bob", 32)));
        assertThat(kalos.jobs()).extracting(job -> job.submission().tenant()).containsExactly("alice", "bob");
        assertThat(kalos.jobs().get(1).submission().submitMillis()).isEqualTo(300_000);
        assertThat(kalos.guarantees()).containsEntry("bob", 32);
    }

    @Test
    void theAlibabaPodListKeepsFractionsAndModelsAndNamesWhatItSkipped() {
        Trace trace = TraceReaders.read(TraceFormat.ALIBABA_OPENB, shared("alibaba-gpu-v2023/openb_pod_list_default.csv"),
                Optional.empty(), Optional.empty());
        assertThat(trace.nodes()).hasSize(1213);
        assertThat(trace.totalGpus()).isEqualTo(6212);
        assertThat(trace.guarantees().keySet()).contains("LS", "BE");
        assertThat(trace.jobs()).anyMatch(job -> job.submission().gpuMillisPerNode() < 1000);
        // 7,064 GPU pods, of which the never-scheduled ones have no run time.
        assertThat(trace.jobs().size()).isLessThan(7_064).isGreaterThan(6_000);
        assertThat(trace.notes()).anyMatch(note -> note.contains("never scheduled"));
    }

    @Test
    void aPodListWithoutTheColumnsItsFormatNeedsIsRefusedNamingThem(@TempDir Path temp) throws Exception {
        // As openb_pod_list_multigpu50.csv: pods without times or qos. It used to replay as 0 jobs, exit 0.
        Path multigpu = temp.resolve("openb_pod_list_multigpu50.csv");
        Files.writeString(multigpu, "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec\n"
                + "openb-pod-0,8000,30000,2,1000,\nopenb-pod-1,4000,15000,8,1000,V100M16|V100M32\n");
        assertThatThrownBy(() -> TraceReaders.read(TraceFormat.ALIBABA_OPENB, multigpu, Optional.of(
                ClusterSpec.parse("2x8")), Optional.empty())).hasMessageContaining("is not a alibaba-openb trace")
                .hasMessageContaining("no column qos, creation_time, scheduled_time, deletion_time");
        Path neverRan = temp.resolve("openb_pod_list_pending.csv");
        Files.writeString(neverRan, "name,qos,num_gpu,gpu_milli,gpu_spec,creation_time,scheduled_time,deletion_time\n"
                + "pod-0,LS,1,500,,10,,\n");
        assertThatThrownBy(() -> TraceReaders.read(TraceFormat.ALIBABA_OPENB, neverRan, Optional.of(
                ClusterSpec.parse("1x8")), Optional.empty())).hasMessageContaining("holds no GPU job that ran");
        Path helios = temp.resolve("cluster_log.csv");
        Files.writeString(helios, "job_id,user,gpu_num,submit_time\n1,u1,8,2020-09-01 00:00:00\n");
        assertThatThrownBy(() -> TraceReaders.read(TraceFormat.HELIOS_RAW, helios, Optional.of(
                ClusterSpec.parse("1x8")), Optional.empty())).hasMessageContaining("no column vc, duration");
    }

    @Test
    void gpuModelAlternativesStayASetThePlacementHonours(@TempDir Path temp) throws Exception {
        Path pods = temp.resolve("openb_pod_list_alternatives.csv");
        Files.writeString(pods, "name,qos,num_gpu,gpu_milli,gpu_spec,creation_time,scheduled_time,deletion_time\n"
                + "pod-0,LS,2,1000,V100M16|V100M32,0,0,100\npod-1,LS,1,1000,P100,0,0,100\n");
        Trace trace = TraceReaders.read(TraceFormat.ALIBABA_OPENB, pods, Optional.of(
                ClusterSpec.parse("1x2:v100m32")), Optional.of(Map.of("LS", 2)));
        assertThat(trace.jobs().get(0).submission().gpuType()).hasValue("v100m16|v100m32");
        assertThat(trace.notes()).anySatisfy(note -> assertThat(note).contains("1 pods name GPU models as"
                + " alternatives"));
        PolicyResult result = new dev.incubator.sim.Simulator(dev.incubator.sim.SimOptions.defaults()).run(trace,
                dev.incubator.sim.SimPolicy.FIFO_BACKFILL, progress -> { });
        assertThat(result.jct()).as("the alternative ran on the V100M32s; the P100 pod never can").hasSize(1);
        assertThat(result.unfinished()).isEqualTo(1);
    }

    @Test
    void syntheticTracesAreSeededAndHeavyTailed() {
        Trace one = SyntheticTrace.generate(3, 20_000, 1024, 10, 0.9);
        Trace again = SyntheticTrace.generate(3, 20_000, 1024, 10, 0.9);
        assertThat(one.jobs()).isEqualTo(again.jobs());
        long[] durations = one.jobs().stream().mapToLong(TraceJob::durationMillis).sorted().toArray();
        double median = durations[durations.length / 2] / 1000.0;
        double mean = Arrays.stream(durations).average().orElseThrow() / 1000.0;
        assertThat(median).isBetween(50.0, 800.0);
        assertThat(mean / median).isGreaterThan(5);
        long single = one.jobs().stream().filter(job -> job.submission().gpus() == 1).count();
        assertThat(single).isGreaterThan(one.jobs().size() / 2);
        assertThat(one.guarantees().values().stream().mapToInt(Integer::intValue).sum()).isLessThanOrEqualTo(1024);
    }

    @Test
    void badInputIsRefusedWithWhatToDo(@TempDir Path temp) throws Exception {
        assertThatThrownBy(() -> TraceFormat.fromCliName("philly")).hasMessageContaining("helios-raw");
        assertThatThrownBy(() -> ClusterSpec.parse("8 nodes")).hasMessageContaining("NODESxGPUS");
        assertThatThrownBy(() -> TraceReaders.read(TraceFormat.HELIOS, temp.resolve("missing.csv"), Optional.empty(),
                Optional.empty())).hasMessageContaining("does not exist");
        Path broken = temp.resolve("broken.csv");
        Files.writeString(broken, "job_id,user,vc,gpu_num,node_num,submit_time,duration\n1,u,v,eight,1,0,5\n");
        assertThatThrownBy(() -> TraceReaders.read(TraceFormat.HELIOS_RAW, broken, Optional.of(ClusterSpec.parse("1x8")),
                Optional.empty())).hasMessageContaining("gpu_num").hasMessageContaining("eight");
    }
}
