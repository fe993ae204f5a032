package dev.incubator.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.incubator.common.IncubatorException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * The harness on the real benchmark files in ../shared/benchmarks (read in place, never copied), each described by a
 * task spec alone, scored against hand-written models whose answers the test knows.
 */
class HarnessTest {
    private static final Path SHARED = Path.of(System.getProperty("incubator.project.root", ".."))
            .resolveSibling("shared").resolve("benchmarks").toAbsolutePath().normalize();

    static final String XCOPA = TaskSpec.example("xcopa-zh");
    static final String MGSM = TaskSpec.example("mgsm-zh");
    static final String GAOKAO = TaskSpec.example("gaokao-bench-objective");

    @Test
    void xcopaIsReadAsItsSpecSaysAndAnOracleScoresEveryItem() {
        TaskSpec spec = TaskSpec.parse(XCOPA);
        List<Item> items = Rows.load(SHARED.resolve("xcopa"), spec);
        assertThat(items).hasSize(100);
        Prompts.Prepared first = Prompts.prepare(spec, items.get(0), List.of(), Method.LOGLIKELIHOOD).orElseThrow();
        assertThat(first.context()).isEqualTo("那人打开水龙头所以");
        assertThat(first.continuations()).containsExactly("厕所里满是水。", "水从水龙头喷口流出。");
        assertThat(first.goldIndex()).isEqualTo(1);

        Harness.Outcome outcome = Harness.run(spec, items, items, oracle(spec, items), settings(Method.LOGLIKELIHOOD, 0),
                done -> { });
        List<Scores.Summary> summaries = Scores.summarise(outcome.items());
        assertThat(summaries.get(0).accuracy()).isEqualTo(1.0);
        assertThat(summaries.get(0).low()).as("Wilson 95 %% of 100/100").isCloseTo(0.963, within(0.001));
        assertThat(summaries).extracting(Scores.Summary::subject).containsExactly("all", "cause", "effect");
        assertThat(summaries.get(1).n() + summaries.get(2).n()).isEqualTo(100);
    }

    @Test
    void accNormDividesByTheOptionsLengthSoAModelThatLikesShortAnswersLosesItsEdge() {
        TaskSpec spec = TaskSpec.parse(XCOPA);
        List<Item> items = Rows.load(SHARED.resolve("xcopa"), spec).subList(0, 1);
        // every byte costs the same: the shorter option wins acc; per byte all tie, and the first wins acc_norm
        Model perByte = model(Set.of(Method.LOGLIKELIHOOD), (context, continuation) -> -0.5 * continuation.getBytes(
                StandardCharsets.UTF_8).length);
        ItemResult result = Harness.run(spec, items, items, perByte, settings(Method.LOGLIKELIHOOD, 0), done -> { })
                .items().get(0);
        assertThat(result.prediction()).isEqualTo("0"); // 厕所里满是水。 is the shorter
        assertThat(result.scores().get(0)).isEqualTo(-10.5);
        assertThat(result.normalisedScores()).containsExactly(-0.5, -0.5);
        assertThat(result.correct()).isFalse();
        assertThat(result.predictionNormalised()).contains("0");
    }

    @Test
    void mgsmAnswersAreExtractedAsNumbersAndCompareWithoutThousandsSeparators() {
        TaskSpec spec = TaskSpec.parse(MGSM);
        List<Item> items = Rows.load(SHARED.resolve("mgsm"), spec);
        assertThat(items).hasSize(250);
        Map<String, String> answers = new java.util.HashMap<>();
        for (Item item : items) {
            answers.put("问题：" + item.fields().get("question") + "\n逐步解答：", item.fields().get("answer").toString());
        }
        Model solver = new FakeModel(Set.of(Method.GENERATE), (c, x) -> 0.0) {
            @Override
            public String generate(String prompt, int maxTokens, List<String> stop) {
                return "先算一下，结果是 " + answers.get(prompt) + " 美元。";
            }
        };
        Harness.Outcome outcome = Harness.run(spec, items, items, solver, settings(Method.GENERATE, 0), done -> { });
        assertThat(outcome.items()).allMatch(ItemResult::correct);
        ItemResult commas = outcome.items().stream().filter(item -> item.generated().orElseThrow().contains("2,125"))
                .findFirst().orElseThrow();
        assertThat(commas.prediction()).isEqualTo("2125");
        assertThat(commas.gold()).isEqualTo("2125");
        assertThat(Extractor.LAST_NUMBER.extract("共 3.50 元，不是 12", List.of())).contains("12");
        assertThat(Extractor.FIRST_LETTER.extract("答案：C。", List.of("A", "B", "C", "D"))).contains("C");
    }

    @Test
    void gaokaoScoresLettersAndSkipsMultiSelectItemsWhoseGoldIsNoSingleLetter() {
        TaskSpec spec = TaskSpec.parse(GAOKAO);
        List<Item> items = Rows.load(SHARED.resolve("gaokao-bench"), spec);
        assertThat(items).hasSize(287 + 64);
        Model likesC = model(Set.of(Method.LETTER, Method.LOGLIKELIHOOD), (context, continuation) ->
                continuation.equals("C") ? -0.1 : -3.0);
        Harness.Outcome outcome = Harness.run(spec, items, items, likesC, settings(Method.LETTER, 0), done -> { });
        assertThat(outcome.skipped()).as("Physics multi-select answers such as BC").isNotEmpty()
                .allMatch(id -> id.startsWith("2010-2022_Physics_MCQs/"));
        assertThat(outcome.items()).allMatch(item -> item.prediction().equals("C"));
        long goldC = outcome.items().stream().filter(item -> item.gold().equals("C")).count();
        assertThat(Scores.summarise(outcome.items()).get(0).correct()).isEqualTo((int) goldC);
        assertThat(Scores.summarise(outcome.items())).extracting(Scores.Summary::subject)
                .contains("2010-2022_History_MCQs", "2010-2022_Physics_MCQs");
    }

    @Test
    void aMethodTheModelCanNotSupportIsRefusedBeforeAnythingIsScored() {
        TaskSpec spec = TaskSpec.parse(GAOKAO);
        List<Item> items = Rows.load(SHARED.resolve("gaokao-bench"), spec);
        Model chatOnly = model(Set.of(Method.GENERATE), (c, x) -> {
            throw new AssertionError("nothing may be scored");
        });
        assertThatThrownBy(() -> Harness.run(spec, items, items, chatOnly, settings(Method.LOGLIKELIHOOD, 0), d -> { }))
                .isInstanceOf(IncubatorException.class).hasMessageContaining("would score chance");
        assertThatThrownBy(() -> Harness.check(TaskSpec.parse(MGSM), chatOnly, Method.LETTER))
                .hasMessageContaining("declares [generate]");
    }

    @Test
    void fewShotExamplesAreAFixedSeededSelectionThatNeverIncludesTheItemItself() {
        TaskSpec spec = TaskSpec.parse(XCOPA);
        List<Item> items = Rows.load(SHARED.resolve("xcopa"), spec);
        Model any = oracle(spec, items);
        List<ItemResult> first = Harness.run(spec, items, items, any, settings(Method.LOGLIKELIHOOD, 3), d -> { })
                .items();
        List<ItemResult> again = Harness.run(spec, items, items, any, new Harness.Settings(Method.LOGLIKELIHOOD, 3,
                7, 0, 4), d -> { }).items();
        assertThat(again).as("the same seed, more threads: the same run").isEqualTo(first);
        assertThat(first).allMatch(item -> item.shots().size() == 3 && !item.shots().contains(item.id()));
        List<ItemResult> other = Harness.run(spec, items, items, any, new Harness.Settings(Method.LOGLIKELIHOOD, 3,
                8, 0, 1), d -> { }).items();
        assertThat(other.get(0).shots()).isNotEqualTo(first.get(0).shots());
        assertThat(other.get(0).promptSha256()).isNotEqualTo(first.get(0).promptSha256());
    }

    @Test
    void itemsFoundInTheTrainingTextAreContaminatedAndTheRestAreClean() {
        TaskSpec spec = TaskSpec.parse(MGSM);
        List<Item> items = Rows.load(SHARED.resolve("mgsm"), spec);
        Contamination check = new Contamination(Contamination.N);
        items.forEach(item -> check.item(item.id(), item.fields().get("question").toString()));
        check.corpus("一些无关的训练文本。" + items.get(3).fields().get("question") + " and more text");
        check.corpus("Leaked: " + items.get(7).fields().get("question").toString().substring(0, 30));
        List<Contamination.Verdict> verdicts = check.verdicts();
        assertThat(verdicts.stream().filter(Contamination.Verdict::contaminated).map(Contamination.Verdict::id))
                .containsExactly(items.get(3).id(), items.get(7).id());
        assertThat(verdicts.get(3).overlapping()).isEqualTo(verdicts.get(3).ngrams());
    }

    @Test
    void aRecordPinsWhatWasMeasuredAndATamperedItemNoLongerVerifies() {
        TaskSpec spec = TaskSpec.parse(XCOPA);
        List<Item> items = Rows.load(SHARED.resolve("xcopa"), spec);
        Harness.Outcome outcome = Harness.run(spec, items, items, oracle(spec, items), settings(Method.LOGLIKELIHOOD, 0),
                done -> { });
        EvalRecord.Pins pins = new EvalRecord.Pins("models/lab/tiny-zh", "a".repeat(40), "datasets/incubator/xcopa-zh",
                "b".repeat(40), spec.license(), spec.nonCommercial(), spec.name(), spec.sha256(), spec.templateSha256(),
                Method.LOGLIKELIHOOD, 0, 7, "scored, no sampling", "test model", "cpu");
        EvalRecord record = EvalRecord.of(pins, outcome);
        assertThat(record.verify(outcome.items())).isEmpty();
        assertThat(record.canonicalJson()).contains("\"method\":\"loglikelihood\"", "\"interval\":\"wilson-95\"")
                .startsWith("{\"interval\"");
        assertThat(EvalRecord.of(pins, outcome).sha256()).isEqualTo(record.sha256());

        List<ItemResult> tampered = new ArrayList<>(outcome.items());
        ItemResult first = tampered.get(0);
        tampered.set(0, new ItemResult(first.id(), first.subject(), first.promptSha256(), first.scores(),
                first.normalisedScores(), "0", first.predictionNormalised(), first.gold(), false,
                first.correctNormalised(), first.generated(), first.shots()));
        assertThat(record.verify(tampered)).hasSize(2).anyMatch(problem -> problem.contains("SHA-256"))
                .anyMatch(problem -> problem.contains("summaries"));
    }

    @Test
    void aRecordAndItsItemsReadBackExactlySoTheirHashesHold() throws Exception {
        TaskSpec spec = TaskSpec.parse(GAOKAO);
        List<Item> items = Rows.load(SHARED.resolve("gaokao-bench"), spec).subList(0, 40);
        Harness.Outcome outcome = Harness.run(spec, items, items, oracle(spec, items), settings(Method.LOGLIKELIHOOD, 1),
                done -> { });
        EvalRecord record = EvalRecord.of(new EvalRecord.Pins("models/lab/tiny-zh", "a".repeat(40),
                "datasets/incubator/gaokao", "b".repeat(40), spec.license(), true, spec.name(), spec.sha256(),
                spec.templateSha256(), Method.LOGLIKELIHOOD, 1, 7, "scored, no sampling", "test model", "cpu"), outcome);

        EvalRecord parsed = EvalRecord.parse(record.canonicalJson());
        assertThat(parsed.sha256()).isEqualTo(record.sha256());
        assertThat(parsed).isEqualTo(record);
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        List<ItemResult> read = new ArrayList<>();
        for (ItemResult item : outcome.items()) {
            read.add(EvalRecord.item(json.writeValueAsString(EvalRecord.json(item))));
        }
        assertThat(read).isEqualTo(outcome.items());
        assertThat(parsed.verify(read)).isEmpty();

        assertThatThrownBy(() -> EvalRecord.parse("{\"pins\": {}}")).isInstanceOf(IncubatorException.class)
                .hasMessageContaining("record.summaries");
        assertThatThrownBy(() -> EvalRecord.parse("{\"pins\": {}, \"summaries\": [], \"skipped\": []}"))
                .hasMessageContaining("pins.model");
        assertThatThrownBy(() -> EvalRecord.parse("[1, 2]")).hasMessageContaining("JSON object");
        assertThatThrownBy(() -> EvalRecord.item("not json")).hasMessageContaining("not JSON");
    }

    @Test
    void aSpecWithAMistakeSaysWhatToWrite() {
        assertThatThrownBy(() -> TaskSpec.parse(GAOKAO.replace("records: example\n", "")))
                .hasMessageContaining("'example' for GAOKAO-Bench");
        assertThatThrownBy(() -> TaskSpec.parse(XCOPA + "shots: 5\n")).hasMessageContaining("not a task spec field");
        assertThatThrownBy(() -> TaskSpec.parse(XCOPA.replace("[loglikelihood]", "[ppl]")))
                .hasMessageContaining("loglikelihood, letter, generate");
        assertThat(TaskSpec.parse(XCOPA).sha256()).isEqualTo(TaskSpec.parse(XCOPA.replace("name: xcopa-zh",
                "name:   xcopa-zh")).sha256()).isNotEqualTo(TaskSpec.parse(XCOPA.replace("所以", "于是")).sha256());
    }

    @Test
    void aCsvInCEvalsLayoutNeedsOnlyItsSpec(@org.junit.jupiter.api.io.TempDir Path folder) throws Exception {
        Files.writeString(folder.resolve("high_school_physics_val.csv"), """
                id,question,A,B,C,D,answer,explanation
                0,"光速约为多少 m/s？",3×10^8,3×10^6,340,1,A,常识
                1,"水的沸点（标准大气压）是",0 ℃,50 ℃,100 ℃,"1,000 ℃",C,
                """);
        TaskSpec spec = TaskSpec.parse("""
                name: ceval-style
                format: csv
                files: ["*_val.csv"]
                id: "{{id}}"
                prompt: "{{question}}\\nA. {{A}}\\nB. {{B}}\\nC. {{C}}\\nD. {{D}}\\n答案："
                choices: ["{{A}}", "{{B}}", "{{C}}", "{{D}}"]
                letters: [A, B, C, D]
                gold: "{{answer}}"
                methods: [letter, loglikelihood]
                license: CC-BY-NC-SA-4.0
                non_commercial: true
                """);
        List<Item> items = Rows.load(folder, spec);
        assertThat(items).extracting(Item::id).containsExactly("high_school_physics_val/0", "high_school_physics_val/1");
        Prompts.Prepared second = Prompts.prepare(spec, items.get(1), List.of(), Method.LOGLIKELIHOOD).orElseThrow();
        assertThat(second.continuations()).containsExactly(" 0 ℃", " 50 ℃", " 100 ℃", " 1,000 ℃");
        assertThat(second.goldIndex()).isEqualTo(2);
        assertThat(spec.nonCommercial()).isTrue();
    }

    private static Harness.Settings settings(Method method, int shots) {
        return new Harness.Settings(method, shots, 7, 0, 1);
    }

    /** Knows every item's answer: the gold continuation scores -1, the others -5. */
    private static Model oracle(TaskSpec spec, List<Item> items) {
        Map<String, String> gold = new java.util.HashMap<>();
        for (Item item : items) {
            Prompts.Prepared prepared = Prompts.prepare(spec, item, List.of(), Method.LOGLIKELIHOOD).orElseThrow();
            gold.put(prepared.context(), prepared.continuations().get(prepared.goldIndex()));
        }
        return model(Set.of(Method.LOGLIKELIHOOD), (context, continuation) -> gold.entrySet().stream()
                .anyMatch(entry -> context.endsWith(entry.getKey()) && entry.getValue().equals(continuation)) ? -1.0
                : -5.0);
    }

    private static Model model(Set<Method> supports, BiFunction<String, String, Double> score) {
        return new FakeModel(supports, score);
    }

    private static class FakeModel implements Model {
        private final Set<Method> supports;
        private final BiFunction<String, String, Double> score;

        FakeModel(Set<Method> supports, BiFunction<String, String, Double> score) {
            this.supports = supports;
            this.score = score;
        }

        @Override
        public Set<Method> supports() {
            return supports;
        }

        @Override
        public List<Scored> loglikelihood(String context, List<String> continuations) {
            List<Scored> out = new ArrayList<>();
            for (String continuation : continuations) {
                double value = score.apply(context, continuation);
                out.add(new Scored(value, value, 1));
            }
            return out;
        }

        @Override
        public String generate(String prompt, int maxTokens, List<String> stop) {
            return "";
        }

        @Override
        public String engine() {
            return "a hand-written test model";
        }
    }

}
