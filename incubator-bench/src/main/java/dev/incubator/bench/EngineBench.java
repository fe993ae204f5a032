package dev.incubator.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.incubator.engine.LlamaModel;
import dev.incubator.engine.Sampling;
import dev.incubator.engine.Session;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The built-in engine's greedy decode against PyTorch eager with a KV cache on the same checkpoints (random llama
 * models of 0.8M, 3M and 10M parameters written by the toolkit), one thread each, in the same run: tokens/s after a
 * prompt, medians of the rounds, and whether both chose the same tokens.
 *
 * <pre>
 * ./bench EngineBench [--prompt 16] [--tokens 256] [--rounds 3] [--torch-threads 1]
 * </pre>
 */
public final class EngineBench {
    public static void main(String[] args) throws Exception {
        BenchOptions options = BenchOptions.parse("EngineBench", args, BenchOptions.defaults("--prompt", "16",
                "--tokens", "256", "--rounds", "3", "--torch-threads", "1"));
        int promptLength = options.integer("--prompt");
        int tokens = options.integer("--tokens");
        int rounds = options.integer("--rounds");
        Path work = Files.createTempDirectory("incubator-engine-bench");
        Path script = work.resolve("torch_decode.py");
        try (InputStream in = EngineBench.class.getResourceAsStream("/torch_decode.py")) {
            Files.copy(in, script);
        }
        String python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
        Process process = new ProcessBuilder(python, script.toString(), Path.of("toolkits").toAbsolutePath()
                .toString(), work.toString(), Integer.toString(promptLength), Integer.toString(tokens),
                Integer.toString(rounds), options.string("--torch-threads")).redirectErrorStream(false).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String errors = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException("PyTorch side failed:\n" + errors);
        }
        JsonNode torch = new ObjectMapper().readTree(output);
        System.out.printf(Locale.ROOT, "greedy decode of %d tokens after a %d-token prompt, %d rounds, one thread;"
                + " engine kernels: %s%n%n", tokens, promptLength, rounds, LlamaModel.kernels());
        System.out.printf("| model | parameters | engine tokens/s | PyTorch eager + KV cache tokens/s | engine / PyTorch"
                + " | same tokens |%n|---|---:|---:|---:|---:|---|%n");
        for (Iterator<Map.Entry<String, JsonNode>> it = torch.fields(); it.hasNext(); ) {
            var entry = it.next();
            LlamaModel model = LlamaModel.load(work.resolve(entry.getKey()));
            int[] prompt = new int[promptLength];
            for (int i = 0; i < promptLength; i++) {
                prompt[i] = (i * 7) % 256;
            }
            decode(model, prompt, 32); // warm-up: the JIT compiles the forward pass
            decode(model, prompt, 32);
            List<Double> rates = new ArrayList<>();
            List<Integer> greedy = List.of();
            for (int round = 0; round < rounds; round++) {
                long began = System.nanoTime();
                greedy = decode(model, prompt, tokens);
                rates.add(tokens / ((System.nanoTime() - began) / 1e9));
            }
            List<Double> theirs = new ArrayList<>();
            entry.getValue().path("rates").forEach(rate -> theirs.add(rate.asDouble()));
            List<Integer> theirTokens = new ArrayList<>();
            entry.getValue().path("greedy").forEach(token -> theirTokens.add(token.asInt()));
            double ours = BenchOptions.median(rates);
            double peer = BenchOptions.median(theirs);
            System.out.printf(Locale.ROOT, "| %s | %,d | %.0f | %.0f | %.2f | %s |%n", entry.getKey(),
                    entry.getValue().path("parameters").asLong(), ours, peer, ours / peer,
                    greedy.subList(0, theirTokens.size()).equals(theirTokens) ? "yes" : "no");
        }
    }

    private static List<Integer> decode(LlamaModel model, int[] prompt, int count) {
        Session session = model.session(prompt.length + count + 1);
        float[] logits = null;
        for (int token : prompt) {
            logits = session.next(token);
        }
        List<Integer> produced = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int next = Sampling.argmax(logits);
            produced.add(next);
            logits = session.next(next);
        }
        return produced;
    }

}
