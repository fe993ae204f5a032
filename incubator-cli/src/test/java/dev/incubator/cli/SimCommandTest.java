package dev.incubator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SimCommandTest {
    @TempDir
    Path temp;

    @Test
    void replayingTheHeliosSliceWritesTheReportAndPlots() throws Exception {
        Path slice = Path.of("../../shared/traces/helios/helios_venus_2vc_sept_days01-13.csv");
        String[] result = run("sim", "replay", "--trace", slice.toString(), "--format", "helios",
                "--policy", "fifo,incubator", "--out", temp.resolve("out").toString());
        assertThat(result[0]).isEqualTo("0");
        assertThat(result[1]).contains("fifo", "incubator", "report.md");
        assertThat(result[2]).contains("684 jobs on 176 GPUs", "done in");
        for (String file : new String[] {"report.json", "report.md", "jct-cdf.svg", "queue-length.svg",
                "gpu-allocation.svg"}) {
            assertThat(temp.resolve("out").resolve(file)).isNotEmptyFile();
        }
        JsonNode report = new ObjectMapper().readTree(temp.resolve("out/report.json").toFile());
        assertThat(report.path("policies")).hasSize(2);
        assertThat(report.path("policies").get(1).path("avg_jct_s").asDouble())
                .isLessThan(report.path("policies").get(0).path("avg_jct_s").asDouble());
        assertThat(Files.readString(temp.resolve("out/jct-cdf.svg"))).startsWith("<svg");

        String[] json = run("sim", "replay", "--trace", slice.toString(), "--format", "helios", "--policy", "fifo",
                "--out", temp.resolve("json").toString(), "-o", "json");
        assertThat(json[0]).isEqualTo("0");
        JsonNode printed = new ObjectMapper().readTree(json[1]);
        assertThat(printed.path("policies").get(0).path("policy").asText()).isEqualTo("fifo");
        assertThat(printed.path("policies").get(0).path("avg_jct").asDouble()).isPositive();
        assertThat(printed.path("report").asText()).endsWith("report.md");
    }

    @Test
    void aMistakeIsExplainedAndNothingIsWritten() {
        String[] unknownPolicy = run("sim", "replay", "--format", "synthetic", "--policy", "lottery",
                "--out", temp.resolve("bad").toString());
        assertThat(unknownPolicy[0]).isEqualTo("1");
        assertThat(unknownPolicy[2]).contains("unknown policy 'lottery'", "sjf-oracle");
        String[] noCluster = run("sim", "replay", "--format", "helios-raw", "--trace",
                "../../shared/traces/helios/helios_venus_2vc_sept_days01-13.csv", "--out", temp.resolve("bad").toString());
        assertThat(noCluster[0]).isEqualTo("1");
        assertThat(noCluster[2]).contains("--cluster");
        assertThat(temp.resolve("bad")).doesNotExist();
    }

    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = IncubatorCommand.commandLine();
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        int exit = commandLine.execute(args);
        return new String[] {Integer.toString(exit), out.toString(), err.toString()};
    }
}
