package dev.incubator.replica;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.incubator.common.IncubatorException;
import dev.incubator.eval.EvalRecord;
import dev.incubator.eval.Harness;
import dev.incubator.eval.Item;
import dev.incubator.eval.ItemResult;
import dev.incubator.eval.Method;
import dev.incubator.eval.Model;
import dev.incubator.eval.Rows;
import dev.incubator.eval.TaskSpec;
import java.io.BufferedWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The evaluation harness as a process (what an evaluation job runs):
 *
 * <pre>
 * java ... dev.incubator.replica.EvalMain --benchmark DIR (with task.yaml) --model DIR | --endpoint URL --served NAME
 *     [--method loglikelihood|letter|generate] [--shots K] [--seed S] [--limit N] [--parallel P] --out DIR
 * </pre>
 *
 * writes {@code items.jsonl} (one result per item) and {@code record.json} (the pins, summaries and the items' hash),
 * and prints progress. The key for an endpoint is read from {@code $INCUBATOR_EVAL_KEY} (or the job's credential).
 */
public final class EvalMain {
    private static final ObjectMapper JSON = new ObjectMapper();

    private EvalMain() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                fail("expected --OPTION VALUE, got '" + args[i] + "'");
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        if (!options.containsKey("benchmark") || !options.containsKey("out")
                || !(options.containsKey("model") || options.containsKey("endpoint"))) {
            fail("usage: --benchmark DIR --model DIR|--endpoint URL --served NAME [--method M] [--shots K] [--seed S]"
                    + " [--limit N] [--parallel P] --out DIR");
        }
        Path benchmark = Path.of(options.get("benchmark"));
        TaskSpec spec = TaskSpec.parse(Files.readString(benchmark.resolve("task.yaml"), StandardCharsets.UTF_8));
        Method method = options.containsKey("method") ? Method.valueOf(options.get("method").toUpperCase(Locale.ROOT))
                : spec.defaultMethod();
        Model model = options.containsKey("model") ? EngineModel.load(Path.of(options.get("model")))
                : OpenAiModel.connect(URI.create(options.get("endpoint")), System.getenv().getOrDefault(
                "INCUBATOR_EVAL_KEY", System.getenv().getOrDefault("INCUBATOR_JOB_TOKEN", "")),
                options.getOrDefault("served", "model"));
        Harness.Settings settings = new Harness.Settings(method, Integer.parseInt(options.getOrDefault("shots", "0")),
                Long.parseLong(options.getOrDefault("seed", "1234")), Integer.parseInt(options.getOrDefault("limit",
                "0")), Integer.parseInt(options.getOrDefault("parallel", "1")));
        List<Item> items = Rows.load(benchmark, spec);
        List<Item> pool = spec.fewshot().map(fewshot -> Rows.load(benchmark, spec, fewshot.files())).orElse(items);
        int total = settings.limit() > 0 ? Math.min(settings.limit(), items.size()) : items.size();
        long started = System.nanoTime();
        Harness.Outcome outcome;
        try {
            outcome = Harness.run(spec, items, pool, model, settings, done -> {
                if (done % 10 == 0 || done == total) {
                    System.out.printf("eval: %d/%d items (%.1f items/s)%n", done, total,
                            done / ((System.nanoTime() - started) / 1e9));
                }
            });
        } catch (IncubatorException e) {
            fail(e.getMessage());
            return;
        }
        EvalRecord record = EvalRecord.of(new EvalRecord.Pins(options.getOrDefault("model-name",
                options.getOrDefault("model", options.getOrDefault("served", ""))), options.getOrDefault(
                "model-commit", ""), options.getOrDefault("benchmark-name", benchmark.toString()), options.getOrDefault(
                "benchmark-commit", ""), spec.license(), spec.nonCommercial(), spec.name(), spec.sha256(),
                spec.templateSha256(), method, settings.shots(), settings.seed(), method == Method.GENERATE
                ? "greedy, max_tokens " + spec.generation().maxTokens() + ", stop " + spec.generation().stop()
                : "scored, no sampling", model.engine(), hardware()), outcome);
        Path out = Path.of(options.get("out"));
        Files.createDirectories(out);
        try (BufferedWriter writer = Files.newBufferedWriter(out.resolve("items.jsonl"), StandardCharsets.UTF_8)) {
            for (ItemResult item : outcome.items()) {
                writer.write(JSON.writeValueAsString(EvalRecord.json(item)));
                writer.newLine();
            }
        }
        Files.writeString(out.resolve("record.json"), record.canonicalJson() + "\n", StandardCharsets.UTF_8);
        var all = record.summaries().get(0);
        System.out.printf("eval: %s %s %d-shot: accuracy %.4f [%.4f, %.4f] (%s) over %d items, %d skipped;"
                        + " record sha256 %s%n", spec.name(), method.wire(), settings.shots(), all.accuracy(),
                all.low(), all.high(), record.interval(), record.items(), record.skipped().size(), record.sha256());
    }

    private static String hardware() {
        return System.getProperty("os.arch") + ", " + Runtime.getRuntime().availableProcessors() + " CPUs, Java "
                + Runtime.version().feature();
    }

    private static void fail(String message) {
        System.err.println("eval: " + message);
        System.exit(2);
    }
}
