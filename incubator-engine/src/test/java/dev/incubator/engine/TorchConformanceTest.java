package dev.incubator.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The engine against PyTorch on the same checkpoint: the toolkit's model (grouped-query attention, rotary
 * embeddings, a trained byte-level BPE) with random weights, written in Hugging Face's files, is read by the
 * engine; token ids must be equal, logits at every position within 1e-4 of the largest, greedy continuations equal.
 */
class TorchConformanceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path TOOLKITS = Path.of(System.getProperty("incubator.project.root", ".."))
            .resolve("toolkits");
    private static final String PYTHON = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3"
            : "python3";

    @TempDir
    Path folder;

    @ParameterizedTest
    @ValueSource(strings = {"untied", "tied"})
    void theEngineGivesPyTorchsTokensLogitsAndContinuations(String embeddings) throws Exception {
        Path script = folder.resolve("torch_reference.py");
        Files.copy(TorchConformanceTest.class.getResourceAsStream("/torch_reference.py"), script);
        Process python = new ProcessBuilder(PYTHON, script.toString(), TOOLKITS.toString(), folder.toString(),
                embeddings).redirectErrorStream(true).start();
        String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(python.waitFor()).as(output).isZero();
        JsonNode reference = JSON.readTree(folder.resolve("reference.json").toFile());

        LlamaModel model = LlamaModel.load(folder);
        Tokenizer tokenizer = Tokenizer.of(JSON.readTree(folder.resolve("tokenizer.json").toFile()));
        assertThat(model.parameters()).isEqualTo(reference.path("parameters").asLong());
        for (JsonNode example : reference.path("cases")) {
            int[] ids = tokenizer.encode(example.path("text").asText());
            assertThat(ids).as(example.path("text").asText()).containsExactly(ints(example.path("ids")));
            assertThat(tokenizer.decode(ids)).isEqualTo(example.path("text").asText());
            Session session = model.session();
            double worst = 0;
            for (int position = 0; position < ids.length; position++) {
                float[] logits = session.next(ids[position]);
                JsonNode expected = example.path("logits").get(position);
                double largest = 0;
                double difference = 0;
                for (int v = 0; v < logits.length; v++) {
                    largest = Math.max(largest, Math.abs(expected.get(v).asDouble()));
                    difference = Math.max(difference, Math.abs(logits[v] - expected.get(v).asDouble()));
                }
                worst = Math.max(worst, difference / largest);
            }
            assertThat(worst).as("largest logit difference relative to the largest logit, %s", example.path("text"))
                    .isLessThan(1e-4);
            System.out.printf("conformance (%s, %s): %d tokens, largest relative logit difference %.2e%n",
                    embeddings, LlamaModel.kernels(), ids.length, worst);
            List<Integer> greedy = new ArrayList<>();
            float[] logits = null;
            Session fresh = model.session();
            for (int id : ids) {
                logits = fresh.next(id);
            }
            for (int i = 0; i < example.path("greedy").size(); i++) {
                int next = Sampling.argmax(logits);
                greedy.add(next);
                logits = fresh.next(next);
            }
            assertThat(greedy).containsExactlyElementsOf(JSON.convertValue(example.path("greedy"),
                    JSON.getTypeFactory().constructCollectionType(List.class, Integer.class)));

            // Prompt log-probabilities (echo, max_tokens 0): each token's log-softmax under PyTorch's logits.
            Completion.Result scored = Completion.complete(model, new Completion.Request(ids, 0, true,
                    java.util.OptionalInt.of(3), Sampling.greedy(), java.util.OptionalInt.empty()));
            assertThat(scored.generated()).isEmpty();
            assertThat(scored.prompt()).hasSize(ids.length);
            assertThat(scored.prompt().get(0).logprob()).as("the first token has no context").isEmpty();
            for (int position = 1; position < ids.length; position++) {
                double expected = logSoftmax(example.path("logits").get(position - 1), ids[position]);
                Completion.Scored token = scored.prompt().get(position);
                assertThat(token.token()).isEqualTo(ids[position]);
                assertThat(token.logprob().orElseThrow()).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-4));
                assertThat(token.top()).hasSize(3);
                assertThat(token.top().get(0).logprob()).isGreaterThanOrEqualTo(token.top().get(2).logprob());
            }
            // Generation scores each chosen token; greedy gives PyTorch's continuation again.
            Completion.Result written = Completion.complete(model, new Completion.Request(ids, 5, false,
                    java.util.OptionalInt.of(0), Sampling.greedy(), java.util.OptionalInt.empty()));
            assertThat(written.generated()).containsExactly(greedy.subList(0, 5).stream().mapToInt(Integer::intValue)
                    .toArray());
            assertThat(written.prompt()).isEmpty();
            assertThat(written.generatedScores()).hasSize(5).allSatisfy(token -> assertThat(token.logprob()
                    .orElseThrow()).isNegative());
            assertThat(written.finishReason()).isEqualTo("length");
        }
    }

    private static double logSoftmax(JsonNode logits, int token) {
        double max = Double.NEGATIVE_INFINITY;
        for (JsonNode logit : logits) {
            max = Math.max(max, logit.asDouble());
        }
        double sum = 0;
        for (JsonNode logit : logits) {
            sum += Math.exp(logit.asDouble() - max);
        }
        return logits.get(token).asDouble() - max - Math.log(sum);
    }

    private static int[] ints(JsonNode array) {
        int[] values = new int[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asInt();
        }
        return values;
    }
}
