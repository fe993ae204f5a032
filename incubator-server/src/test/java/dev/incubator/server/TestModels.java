package dev.incubator.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Models for tests: a random checkpoint PyTorch writes, or the tiny model the toolkit's pretrain template trains. */
public final class TestModels {
    private static final String PYTHON = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3"
            : "python3";
    /** The files the built-in engine loads. */
    public static final List<String> FILES = List.of("config.json", "model.safetensors", "tokenizer.json");

    private TestModels() {
    }

    /** A random checkpoint of the toolkit's llama model in Hugging Face's files (64 positions), written by PyTorch. */
    public static Map<String, byte[]> randomCheckpoint(Path folder) {
        Path root = ClientScripts.projectRoot();
        try {
            Process python = new ProcessBuilder(PYTHON, root.resolve("incubator-engine/src/test/resources/"
                    + "torch_reference.py").toString(), root.resolve("toolkits").toString(), folder.toString())
                    .redirectErrorStream(true).start();
            String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(python.waitFor()).as(output).isZero();
            Map<String, byte[]> files = new LinkedHashMap<>();
            for (String file : FILES) {
                files.put(file, Files.readAllBytes(folder.resolve(file)));
            }
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * The toolkit's pretrain template trained for 20 steps on the example corpus (pushed as datasets/ORG/corpus) by
     * the holder of {@code token}, then published to {@code models/ORG/NAME} with its provenance.
     */
    public static void pretrainAndPublish(TestServer server, String token, String org, String model)
            throws IOException {
        server.post("/api/v1/repos").token(token).json(Map.of("kind", "dataset", "namespace", org, "name", "corpus",
                "visibility", "organisation")).expect(201);
        server.commit(token, "datasets/" + org + "/corpus", Map.of("zh-en.txt", Files.readString(ClientScripts
                .projectRoot().resolve("toolkits/examples/corpus/zh-en.txt")))).expect(200);
        String pretrain = server.post("/api/v1/orgs/" + org + "/template-jobs").token(token).json(Map.of("template",
                "pretrain", "parameters", Map.of("data", "datasets/" + org + "/corpus", "steps", "20", "eval_every",
                        "20", "checkpoint_every", "20"))).expect(201).path("id").asText();
        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1)).until(() -> List.of("succeeded",
                "failed", "cancelled").contains(server.get("/api/v1/jobs/" + pretrain).token(token).expect(200)
                .path("state").asText()));
        server.post("/api/v1/jobs/" + pretrain + "/publish").token(token).json(Map.of("to", model)).expect(201);
    }
}
