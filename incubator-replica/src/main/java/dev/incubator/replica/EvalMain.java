package dev.incubator.replica;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.incubator.common.IncubatorException;
import dev.incubator.eval.Contamination;
import dev.incubator.eval.EvalRecord;
import dev.incubator.eval.Harness;
import dev.incubator.eval.Item;
import dev.incubator.eval.ItemResult;
import dev.incubator.eval.Method;
import dev.incubator.eval.Model;
import dev.incubator.eval.Rows;
import dev.incubator.eval.TaskSpec;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The evaluation harness as a process (what an evaluation job runs):
 *
 * <pre>
 * java ... dev.incubator.replica.EvalMain --benchmark DIR (with task.yaml) --model DIR | --endpoint URL --served NAME
 *     [--method loglikelihood|letter|generate] [--shots K] [--seed S] [--limit N] [--parallel P]
 *     [--corpus DIR,DIR...] --out DIR
 * </pre>
 *
 * {@code --endpoint platform} is the platform's gateway ($INCUBATOR_URL/v1) with the job's own credential.
 * <pre>
 * </pre>
 *
 * writes {@code items.jsonl} (one result per item) and {@code record.json} (the pins, summaries and the items' hash),
 * with {@code --corpus} {@code contamination.json} (the items sharing a 13-gram with the training data), and keeps
 * {@code progress.json} current. In a job, relative folders are under $INCUBATOR_MOUNTS and the output under
 * $INCUBATOR_CHECKPOINT_DIR. The key for an endpoint is read from {@code $INCUBATOR_EVAL_KEY} (or the job's credential).
 */
public final class EvalMain {
    private static final ObjectMapper JSON = new ObjectMapper();

    private EvalMain() {
    }

    public static void main(String[] args) throws Exception {
        String usage = "--benchmark DIR --model DIR|--endpoint URL|platform --served NAME [--method M] [--shots K]"
                + " [--seed S] [--limit N] [--parallel P] [--corpus DIR,...] --out DIR";
        Map<String, String> options = JobFiles.options(args, usage);
        if (!options.containsKey("benchmark") || !options.containsKey("out")
                || !(options.containsKey("model") || options.containsKey("endpoint"))) {
            fail("usage: " + usage);
        }
        Path benchmark = JobFiles.mounted(options.get("benchmark"));
        TaskSpec spec = TaskSpec.parse(Files.readString(benchmark.resolve("task.yaml"), StandardCharsets.UTF_8));
        Method method = options.containsKey("method") ? Method.valueOf(options.get("method").toUpperCase(Locale.ROOT))
                : spec.defaultMethod();
        Model model = options.containsKey("model") ? EngineModel.load(JobFiles.mounted(options.get("model")))
                : OpenAiModel.connect(JobFiles.endpoint(options.get("endpoint")), JobFiles.key(),
                options.getOrDefault("served", "model"));
        Harness.Settings settings = new Harness.Settings(method, Integer.parseInt(options.getOrDefault("shots", "0")),
                Long.parseLong(options.getOrDefault("seed", "1234")), Integer.parseInt(options.getOrDefault("limit",
                "0")), Integer.parseInt(options.getOrDefault("parallel", "1")));
        List<Item> items = Rows.load(benchmark, spec);
        List<Item> pool = spec.fewshot().map(fewshot -> Rows.load(benchmark, spec, fewshot.files())).orElse(items);
        int total = settings.limit() > 0 ? Math.min(settings.limit(), items.size()) : items.size();
        Path out = JobFiles.output(options.get("out"));
        Files.createDirectories(out);
        if (options.containsKey("corpus")) {
            contamination(spec, items.subList(0, total), options.get("corpus"), out);
        }
        long started = System.nanoTime();
        Harness.Outcome outcome;
        try {
            JobFiles.progress(out, 0, total);
            outcome = Harness.run(spec, items, pool, model, settings, done -> {
                if (done % 10 == 0 || done == total) {
                    System.out.printf("eval: %d/%d items (%.1f items/s)%n", done, total,
                            done / ((System.nanoTime() - started) / 1e9));
                    JobFiles.progress(out, done, total);
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
                : "scored, no sampling", model.engine(), JobFiles.hardware()), outcome);
        // items first, the record last, each written whole then renamed: a record on disk has all its items
        Path partial = out.resolve("items.jsonl.partial");
        try (BufferedWriter writer = Files.newBufferedWriter(partial, StandardCharsets.UTF_8)) {
            for (ItemResult item : outcome.items()) {
                writer.write(JSON.writeValueAsString(EvalRecord.json(item)));
                writer.newLine();
            }
        }
        Files.move(partial, out.resolve("items.jsonl"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        JobFiles.write(out.resolve("record.json"), record.canonicalJson() + "\n");
        var all = record.summaries().get(0);
        System.out.printf("eval: %s %s %d-shot: accuracy %.4f [%.4f, %.4f] (%s) over %d items, %d skipped;"
                        + " record sha256 %s%n", spec.name(), method.wire(), settings.shots(), all.accuracy(),
                all.low(), all.high(), record.interval(), record.items(), record.skipped().size(), record.sha256());
    }






    /**
     * The 13-gram check of the items against training data: every text file under each comma-separated folder (the
     * model's training datasets, mounted), read in pieces at line ends; writes contamination.json.
     */
    private static void contamination(TaskSpec spec, List<Item> items, String corpora, Path out) throws Exception {
        Contamination check = Contamination.of(spec, items);
        long bytes = 0;
        List<String> read = new java.util.ArrayList<>();
        for (String corpus : corpora.split(",")) {
            if (corpus.isBlank()) {
                continue;
            }
            Path root = JobFiles.mounted(corpus.strip());
            List<Path> files;
            try (var walk = Files.walk(root)) {
                files = walk.filter(file -> Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                        .filter(file -> TEXT.matcher(file.getFileName().toString()).matches()).sorted().toList();
            }
            for (Path file : files) {
                bytes += scan(check, file);
            }
            read.add(corpus.strip());
        }
        List<String> contaminated = check.verdicts().stream().filter(Contamination.Verdict::contaminated)
                .map(Contamination.Verdict::id).toList();
        System.out.printf("eval: contamination: %d of %d items share a %d-gram with %s (%d bytes read)%n",
                contaminated.size(), items.size(), Contamination.N, read, bytes);
        JobFiles.write(out.resolve("contamination.json"), JSON.writeValueAsString(Map.of("corpora", read, "checked",
                items.size(), "contaminated", contaminated, "bytes", bytes)));
    }

    private static final java.util.regex.Pattern TEXT = java.util.regex.Pattern.compile(
            ".*\\.(txt|text|md|json|jsonl|csv|tsv)");

    private static long scan(Contamination check, Path file) throws java.io.IOException {
        long bytes = 0;
        try (var reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            StringBuilder piece = new StringBuilder();
            String line;
            while ((line = reader.readLine()) != null) {
                piece.append(line).append('\n');
                bytes += line.length() + 1;
                if (piece.length() >= 64 * 1024) {
                    check.corpus(piece.toString());
                    piece.setLength(0);
                }
            }
            if (!piece.isEmpty()) {
                check.corpus(piece.toString());
            }
        } catch (java.nio.charset.MalformedInputException e) {
            System.err.println("eval: contamination: " + file.getFileName() + " is not UTF-8 text; skipped");
        }
        return bytes;
    }


    private static void fail(String message) {
        JobFiles.fail("eval: " + message);
    }
}
