package dev.incubator.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Leaderboards from signed runs: only comparable records stand side by side, so a board is one benchmark commit, one
 * task spec (its hash covers the prompt template), one method and one shot count; a different prompt or method makes
 * another board rather than a misleading row. Within a board, one row per model commit (its latest run), ranked by
 * accuracy with the interval's lower bound breaking ties.
 */
public final class Leaderboard {
    private Leaderboard() {
    }

    /** What makes two records comparable. */
    public record Key(String benchmark, String benchmarkCommit, String task, String taskSha256, String templateSha256,
                      Method method, int shots) {
    }

    public record Row(int rank, String run, String organisation, String model, String modelCommit, int n,
                      int correct, double accuracy, double low, double high, Optional<Double> accuracyNormalised,
                      String contamination, boolean nonCommercial, String recordSha256) {
    }

    public record Board(Key key, String subject, String interval, List<Row> rows) {
    }

    /**
     * The boards of {@code runs} (succeeded, already filtered to what the caller may see) for one subject ("all" for
     * the overall score); a run without that subject is left out of its board.
     */
    public static List<Board> of(List<EvalRun> runs, String subject) {
        Map<Key, Map<String, EvalRun>> latest = new LinkedHashMap<>();
        runs.stream().filter(run -> run.record().isPresent())
                .sorted(Comparator.comparing(EvalRun::createdAt).thenComparing(EvalRun::id))
                .forEach(run -> {
                    EvalRecord.Pins pins = run.record().get().pins();
                    Key key = new Key(run.benchmark(), run.benchmarkCommit(), pins.task(), pins.taskSha256(),
                            pins.templateSha256(), pins.method(), pins.shots());
                    latest.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(run.model() + "@" + run.modelCommit(),
                            run);
                });
        List<Board> boards = new ArrayList<>();
        latest.forEach((key, byModel) -> {
            List<Row> rows = new ArrayList<>();
            String interval = Scores.INTERVAL;
            for (EvalRun run : byModel.values()) {
                EvalRecord record = run.record().get();
                interval = record.interval();
                Optional<Scores.Summary> summary = record.summaries().stream().filter(one -> one.subject()
                        .equals(subject)).findFirst();
                summary.ifPresent(one -> rows.add(new Row(0, run.id(), run.orgName(), run.model(), run.modelCommit(),
                        one.n(), one.correct(), one.accuracy(), one.low(), one.high(), one.accuracyNormalised(),
                        run.contamination().map(EvalRun.ContaminationCheck::verdict).orElse("unknown"),
                        run.nonCommercial(), record.sha256())));
            }
            if (rows.isEmpty()) {
                return;
            }
            rows.sort(Comparator.comparingDouble(Row::accuracy).reversed().thenComparing(Comparator
                    .comparingDouble(Row::low).reversed()).thenComparing(Row::model));
            List<Row> ranked = new ArrayList<>();
            for (int i = 0; i < rows.size(); i++) {
                Row row = rows.get(i);
                int rank = i > 0 && row.accuracy() == rows.get(i - 1).accuracy() ? ranked.get(i - 1).rank() : i + 1;
                ranked.add(new Row(rank, row.run(), row.organisation(), row.model(), row.modelCommit(), row.n(),
                        row.correct(), row.accuracy(), row.low(), row.high(), row.accuracyNormalised(),
                        row.contamination(), row.nonCommercial(), row.recordSha256()));
            }
            boards.add(new Board(key, subject, interval, List.copyOf(ranked)));
        });
        boards.sort(Comparator.comparing((Board board) -> board.key().benchmark()).thenComparing(board -> board.key()
                .method().wire()).thenComparingInt(board -> board.key().shots()));
        return List.copyOf(boards);
    }
}
