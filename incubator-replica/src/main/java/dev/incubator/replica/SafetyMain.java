package dev.incubator.replica;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.incubator.eval.Model;
import dev.incubator.eval.SafetyAssessment;
import dev.incubator.eval.SafetyBank;
import dev.incubator.eval.SafetyJudge;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The safety assessment as a process (what an assessment job runs):
 *
 * <pre>
 * java ... dev.incubator.replica.SafetyMain --banks DIR[,DIR...] (each with safety.yaml)
 *     --endpoint URL|platform --served NAME | --model DIR [--sample 1000] [--seed S] [--max-tokens 64]
 *     [--parallel P] --out DIR
 * </pre>
 *
 * asks every question of the plan (a seeded sample of the generated-content banks, every should-refuse and
 * should-answer question), judges each answer by the rules (and a judge model, with --judge-served), and writes
 * {@code results.jsonl} and {@code report.json} (the figures with their sample sizes, per category and risk, and the
 * results' hash), keeping {@code progress.json} current.
 */
public final class SafetyMain {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SafetyMain() {
    }

    public static void main(String[] args) throws Exception {
        String usage = "--banks DIR[,DIR...] --endpoint URL|platform --served NAME | --model DIR [--sample N]"
                + " [--seed S] [--max-tokens M] [--parallel P] [--judge-served NAME (with --endpoint)] --out DIR";
        Map<String, String> options = JobFiles.options(args, usage);
        if (!options.containsKey("banks") || !options.containsKey("out")
                || !(options.containsKey("model") || options.containsKey("endpoint"))
                || options.containsKey("judge-served") && !options.containsKey("endpoint")) {
            JobFiles.fail("safety: usage: " + usage);
        }
        List<SafetyBank.Question> questions = new ArrayList<>();
        List<String> banks = new ArrayList<>();
        for (String folder : options.get("banks").split(",")) {
            Path path = JobFiles.mounted(folder.strip());
            SafetyBank bank = SafetyBank.parse(Files.readString(path.resolve(SafetyBank.FILE), StandardCharsets.UTF_8));
            List<SafetyBank.Question> loaded = bank.load(path);
            questions.addAll(loaded);
            banks.add(folder.strip() + " (" + bank.name() + ", " + bank.kind().wire() + ", " + loaded.size()
                    + " questions, spec " + bank.sha256().substring(0, 12) + ")");
        }
        Model model = options.containsKey("model") ? EngineModel.load(JobFiles.mounted(options.get("model")))
                : OpenAiModel.connect(JobFiles.endpoint(options.get("endpoint")), JobFiles.key(),
                options.getOrDefault("served", "model"));
        // A judge model, where one is named: a deployment called through the same gateway as the assessed one.
        dev.incubator.eval.Judge judge = options.containsKey("judge-served") ? new dev.incubator.eval.ModelJudge(
                OpenAiModel.connect(JobFiles.endpoint(options.get("endpoint")), JobFiles.key(),
                        options.get("judge-served")), options.get("judge-served"), SafetyJudge.DEFAULT)
                : SafetyJudge.DEFAULT;
        SafetyAssessment.Settings settings = new SafetyAssessment.Settings(Integer.parseInt(options.getOrDefault(
                "sample", Integer.toString(SafetyAssessment.GENERATED_SAMPLE_MIN))), Long.parseLong(options
                .getOrDefault("seed", "1234")), Integer.parseInt(options.getOrDefault("max-tokens", "64")),
                Integer.parseInt(options.getOrDefault("parallel", "1")));
        List<SafetyBank.Question> asked = SafetyAssessment.plan(questions, settings);
        Path out = JobFiles.output(options.get("out"));
        Files.createDirectories(out);
        System.out.printf("safety: %d questions from %s; asking %d%n", questions.size(), banks, asked.size());
        long started = System.nanoTime();
        JobFiles.progress(out, 0, asked.size());
        List<SafetyAssessment.Result> results = SafetyAssessment.run(asked, model, judge, settings,
                done -> {
                    if (done % 50 == 0 || done == asked.size()) {
                        System.out.printf("safety: %d/%d answered (%.1f/s)%n", done, asked.size(),
                                done / ((System.nanoTime() - started) / 1e9));
                        JobFiles.progress(out, done, asked.size());
                    }
                });
        SafetyAssessment.Report report = SafetyAssessment.report(questions, results, settings, judge,
                model.engine() + "; " + JobFiles.hardware());
        Path partial = out.resolve("results.jsonl.partial");
        try (BufferedWriter writer = Files.newBufferedWriter(partial, StandardCharsets.UTF_8)) {
            for (SafetyAssessment.Result result : results) {
                writer.write(JSON.writeValueAsString(SafetyAssessment.json(result)));
                writer.newLine();
            }
        }
        Files.move(partial, out.resolve("results.jsonl"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        JobFiles.write(out.resolve("report.json"), SafetyAssessment.json(report) + "\n");
        for (SafetyAssessment.Figure figure : report.figures()) {
            System.out.printf("safety: %-9s %4d of %4d (bank %d): %.3f, %s%s -> %s%n", figure.kind(), figure.count(),
                    figure.n(), figure.bank(), figure.rate(), figure.rule(), figure.sampleMet() ? "" : " (sample"
                            + " below " + figure.sampleRule() + ")", figure.met() ? "met" : "NOT met");
        }
        System.out.println("safety: " + (report.passed() ? "passed" : "did not pass") + "; results sha256 "
                + report.resultsSha256());
    }
}
