package dev.incubator.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.incubator.engine.Completion;
import dev.incubator.engine.LlamaModel;
import dev.incubator.engine.Sampling;
import dev.incubator.engine.Tokenizer;
import dev.incubator.eval.Harness;
import dev.incubator.eval.Item;
import dev.incubator.eval.Method;
import dev.incubator.eval.Model;
import dev.incubator.eval.Rows;
import dev.incubator.eval.TaskSpec;
import dev.incubator.replica.EngineModel;
import dev.incubator.replica.OpenAiModel;
import dev.incubator.replica.ReplicaServer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The harness's overhead: XCOPA-zh (../shared/benchmarks, 100 items of two options) scored by loglikelihood on the
 * same random 3M-parameter checkpoint as ServingBench, three ways in the same run: the engine's raw scoring of the
 * same token sequences (the peer: no harness), the harness with the engine in process, and the harness through an
 * OpenAI-compatible replica (echo + logprobs over HTTP). Items per second, median of the repeats, one thread each.
 *
 * <pre>
 * ./bench EvalBench [--repeats 3]
 * </pre>
 */
public final class EvalBench {
    private static final String SPEC = TaskSpec.example("xcopa-zh");

    private EvalBench() {
    }

    public static void main(String[] args) throws Exception {
        BenchOptions options = BenchOptions.parse("EvalBench", args, BenchOptions.defaults("--repeats", "3"));
        int repeats = options.integer("--repeats");
        Path work = Files.createTempDirectory("incubator-eval-bench");
        Path modelDir = work.resolve("model");
        String parameters = ServingBench.writeCheckpoint(work, modelDir);
        Path xcopa = Path.of("..", "shared", "benchmarks", "xcopa").toAbsolutePath().normalize();
        TaskSpec spec = TaskSpec.parse(SPEC);
        List<Item> items = Rows.load(xcopa, spec);

        LlamaModel engine = LlamaModel.load(modelDir);
        Tokenizer tokenizer = Tokenizer.of(new ObjectMapper().readTree(modelDir.resolve("tokenizer.json").toFile()));
        List<int[]> sequences = new ArrayList<>();
        for (Item item : items) {
            Map<String, Object> f = item.fields();
            String premise = f.get("premise").toString().strip();
            String context = premise.substring(0, premise.length() - 1) + ("cause".equals(f.get("question")) ? "因为"
                    : "所以");
            sequences.add(tokenizer.encode(context + f.get("choice1")));
            sequences.add(tokenizer.encode(context + f.get("choice2")));
        }
        EngineModel inProcess = EngineModel.load(modelDir);
        ReplicaServer replica = ReplicaServer.start(new ReplicaServer.Settings(modelDir, "bench/xcopa", "127.0.0.1", 0,
                "bench-key", 1, 16));
        Model endpoint = OpenAiModel.connect(URI.create("http://127.0.0.1:" + replica.port() + "/v1"), "bench-key",
                "bench/xcopa");
        Harness.Settings settings = new Harness.Settings(Method.LOGLIKELIHOOD, 0, 1, 0, 1);
        List<Double> raw = new ArrayList<>();
        List<Double> harness = new ArrayList<>();
        List<Double> http = new ArrayList<>();
        for (int repeat = 0; repeat <= repeats; repeat++) { // the first round warms the JIT and is not counted
            long start = System.nanoTime();
            for (int[] sequence : sequences) {
                Completion.complete(engine, new Completion.Request(sequence, 0, true, OptionalInt.of(0),
                        Sampling.greedy(), OptionalInt.empty()));
            }
            double rawRate = items.size() / ((System.nanoTime() - start) / 1e9);
            start = System.nanoTime();
            Harness.run(spec, items, items, inProcess, settings, done -> { });
            double harnessRate = items.size() / ((System.nanoTime() - start) / 1e9);
            start = System.nanoTime();
            Harness.run(spec, items, items, endpoint, settings, done -> { });
            double httpRate = items.size() / ((System.nanoTime() - start) / 1e9);
            if (repeat > 0) {
                raw.add(rawRate);
                harness.add(harnessRate);
                http.add(httpRate);
            }
        }
        replica.close();
        double rawMedian = BenchOptions.median(raw);
        double harnessMedian = BenchOptions.median(harness);
        double httpMedian = BenchOptions.median(http);
        System.out.printf("EvalBench: XCOPA-zh val, %d items x 2 options, loglikelihood, %s parameters, %d repeats"
                + " (median)%n", items.size(), parameters, repeats);
        System.out.printf("| way | items/s | vs raw engine |%n|---|---:|---:|%n");
        System.out.printf("| engine, raw scoring of the same sequences | %.1f | 1.00 |%n", rawMedian);
        System.out.printf("| harness, engine in process | %.1f | %.2f |%n", harnessMedian, harnessMedian / rawMedian);
        System.out.printf("| harness, OpenAI-compatible replica over HTTP | %.1f | %.2f |%n", httpMedian,
                httpMedian / rawMedian);
    }
}
