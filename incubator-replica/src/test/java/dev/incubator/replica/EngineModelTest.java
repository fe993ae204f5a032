package dev.incubator.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.incubator.eval.Harness;
import dev.incubator.eval.Item;
import dev.incubator.eval.ItemResult;
import dev.incubator.eval.Method;
import dev.incubator.eval.Rows;
import dev.incubator.eval.TaskSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harness with the built-in engine in process scores XCOPA-zh on a checkpoint written by the toolkit's PyTorch
 * model; an independent PyTorch computation (its own prompt building, tokenisation and scoring) predicts the same
 * option for every item, with the same log-likelihoods; a second run gives byte-identical results.
 */
class EngineModelTest {
    private static final Path ROOT = Path.of(System.getProperty("incubator.project.root", "..")).toAbsolutePath()
            .normalize();
    private static final Path XCOPA = ROOT.resolveSibling("shared").resolve("benchmarks/xcopa");
    private static final String PYTHON = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3"
            : "python3";
    private static final int ITEMS = 30;
    private static final String SPEC = TaskSpec.example("xcopa-zh");

    @TempDir
    Path folder;

    @Test
    void perItemLogLikelihoodPredictionsAreTorchsAndARerunIsIdentical() throws Exception {
        run(PYTHON, ROOT.resolve("incubator-engine/src/test/resources/torch_reference.py").toString(),
                ROOT.resolve("toolkits").toString(), folder.toString());
        Path reference = folder.resolve("xcopa_reference.py");
        Files.copy(EngineModelTest.class.getResourceAsStream("/xcopa_reference.py"), reference);
        JsonNode torch = new ObjectMapper().readTree(run(PYTHON, reference.toString(), ROOT.resolve("toolkits")
                .toString(), folder.toString(), XCOPA.resolve("val.zh.jsonl").toString(), Integer.toString(ITEMS)));

        TaskSpec spec = TaskSpec.parse(SPEC);
        List<Item> items = Rows.load(XCOPA, spec);
        EngineModel model = EngineModel.load(folder);
        Harness.Settings settings = new Harness.Settings(Method.LOGLIKELIHOOD, 0, 1, ITEMS, 2);
        List<ItemResult> results = Harness.run(spec, items, items, model, settings, done -> { }).items();
        assertThat(results).hasSize(ITEMS);
        for (int i = 0; i < ITEMS; i++) {
            JsonNode expected = torch.get(i);
            ItemResult result = results.get(i);
            assertThat(result.id()).isEqualTo("val.zh/" + expected.path("idx").asText());
            assertThat(result.prediction()).as("item %d", i).isEqualTo(expected.path("prediction").asText());
            for (int option = 0; option < 2; option++) {
                assertThat(result.scores().get(option)).as("item %d option %d", i, option)
                        .isCloseTo(expected.path("scores").get(option).asDouble(), within(1e-3));
            }
        }
        // Byte-identical from the first call on: the kernels sum in a fixed order, interpreted or compiled.
        assertThat(Harness.run(spec, items, items, model, settings, done -> { }).items()).as("a re-run")
                .isEqualTo(results);
        assertThat(model.generate("三加四等于", 4, List.of())).as("greedy, deterministic")
                .isEqualTo(model.generate("三加四等于", 4, List.of()));

        // The same checkpoint behind the OpenAI-compatible replica: the probe finds prompt log-probabilities, and
        // every item that fits the context unshortened scores as in process.
        ReplicaServer replica = ReplicaServer.start(new ReplicaServer.Settings(folder, "lab/reference", "127.0.0.1", 0,
                "secret-key", 2, 16));
        try {
            OpenAiModel endpoint = OpenAiModel.connect(java.net.URI.create("http://127.0.0.1:" + replica.port()
                    + "/v1"), "secret-key", "lab/reference");
            assertThat(endpoint.supports()).contains(Method.LOGLIKELIHOOD, Method.LETTER, Method.GENERATE);
            assertThat(endpoint.contextLength()).isEqualTo(64);
            List<Item> fitting = items.stream().filter(item -> (item.fields().get("premise").toString()
                    + item.fields().get("choice2") + item.fields().get("choice1")).getBytes(StandardCharsets.UTF_8)
                    .length <= 60).limit(8).toList();
            assertThat(fitting).isNotEmpty();
            Harness.Settings some = new Harness.Settings(Method.LOGLIKELIHOOD, 0, 1, 0, 2);
            List<ItemResult> remote = Harness.run(spec, fitting, items, endpoint, some, done -> { }).items();
            List<ItemResult> local = Harness.run(spec, fitting, items, model, some, done -> { }).items();
            for (int i = 0; i < remote.size(); i++) {
                assertThat(remote.get(i).prediction()).isEqualTo(local.get(i).prediction());
                assertThat(remote.get(i).scores().get(0)).isCloseTo(local.get(i).scores().get(0), within(1e-4));
            }
        } finally {
            replica.close();
        }
    }

    @Test
    void theHarnessProcessScoresGaokaoByLetterAndGenerationAndWritesARecord() throws Exception {
        run(PYTHON, ROOT.resolve("incubator-engine/src/test/resources/torch_reference.py").toString(),
                ROOT.resolve("toolkits").toString(), folder.toString());
        Path benchmark = Files.createDirectories(folder.resolve("gaokao"));
        Files.createSymbolicLink(benchmark.resolve("2010-2022_History_MCQs.json"), XCOPA.resolveSibling(
                "gaokao-bench").resolve("2010-2022_History_MCQs.json"));
        Files.writeString(benchmark.resolve("task.yaml"), """
                name: gaokao-history
                format: json
                records: example
                files: ["*.json"]
                prompt: "{{question}}答案："
                gold: "{{answer.0}}"
                letters: [A, B, C, D]
                target_delimiter: ""
                methods: [letter, generate]
                generation: {max_tokens: 4, extractor: first_letter}
                license: Apache-2.0
                """);
        for (String method : List.of("letter", "generate")) {
            Path out = folder.resolve("out-" + method);
            EvalMain.main(new String[] {"--benchmark", benchmark.toString(), "--model", folder.toString(),
                    "--method", method, "--limit", "12", "--shots", "1", "--out", out.toString()});
            JsonNode record = new ObjectMapper().readTree(out.resolve("record.json").toFile());
            assertThat(record.path("pins").path("method").asText()).isEqualTo(method);
            assertThat(record.path("pins").path("shots").asInt()).isEqualTo(1);
            assertThat(record.path("pins").path("license").asText()).isEqualTo("Apache-2.0");
            assertThat(record.path("items").asInt()).isEqualTo(12);
            assertThat(record.path("summaries").get(0).path("n").asInt()).isEqualTo(12);
            assertThat(Files.readAllLines(out.resolve("items.jsonl"))).hasSize(12);
        }
    }

    private static String run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(false).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String errors = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(errors).isZero();
        return output;
    }
}
