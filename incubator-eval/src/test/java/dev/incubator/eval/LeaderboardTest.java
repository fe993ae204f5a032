package dev.incubator.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Leaderboards put only comparable records side by side and rank them by accuracy. */
class LeaderboardTest {
    private static final String SPEC = "1".repeat(64);

    @Test
    void onlyRunsWithTheSameBenchmarkCommitSpecMethodAndShotsShareABoard() {
        List<EvalRun> runs = List.of(
                run("eval_1", "models/lab/a", "c1", Method.LOGLIKELIHOOD, 0, SPEC, 60, 100, 1),
                run("eval_2", "models/lab/b", "c2", Method.LOGLIKELIHOOD, 0, SPEC, 70, 100, 2),
                run("eval_3", "models/lab/c", "c3", Method.LOGLIKELIHOOD, 5, SPEC, 90, 100, 3),
                run("eval_4", "models/lab/d", "c4", Method.LETTER, 0, SPEC, 95, 100, 4),
                run("eval_5", "models/lab/e", "c5", Method.LOGLIKELIHOOD, 0, "2".repeat(64), 99, 100, 5));

        List<Leaderboard.Board> boards = Leaderboard.of(runs, "all");

        assertThat(boards).hasSize(4);
        Leaderboard.Board zeroShot = boards.stream().filter(board -> board.key().method() == Method.LOGLIKELIHOOD
                && board.key().shots() == 0 && board.key().taskSha256().equals(SPEC)).findFirst().orElseThrow();
        assertThat(zeroShot.rows()).extracting(Leaderboard.Row::model).containsExactly("models/lab/b", "models/lab/a");
        assertThat(zeroShot.rows()).extracting(Leaderboard.Row::rank).containsExactly(1, 2);
        assertThat(zeroShot.rows().get(0).low()).isLessThan(0.70).isGreaterThan(0.59);
    }

    @Test
    void aModelCommitKeepsItsLatestRunAndTiesShareARank() {
        List<EvalRun> runs = List.of(
                run("eval_1", "models/lab/a", "c1", Method.LOGLIKELIHOOD, 0, SPEC, 50, 100, 1),
                run("eval_2", "models/lab/a", "c1", Method.LOGLIKELIHOOD, 0, SPEC, 80, 100, 2),
                run("eval_3", "models/lab/b", "c2", Method.LOGLIKELIHOOD, 0, SPEC, 80, 100, 3));

        List<Leaderboard.Row> rows = Leaderboard.of(runs, "all").get(0).rows();

        assertThat(rows).extracting(Leaderboard.Row::run).containsExactly("eval_2", "eval_3");
        assertThat(rows).extracting(Leaderboard.Row::rank).containsExactly(1, 1);
    }

    @Test
    void aSubjectBoardRanksBySubjectAndLeavesOutRunsWithoutIt() {
        assertThat(Leaderboard.of(List.of(run("eval_1", "models/lab/a", "c1", Method.LETTER, 0, SPEC, 5, 10, 1)),
                "History")).isEmpty();
        assertThat(Leaderboard.of(List.of(run("eval_1", "models/lab/a", "c1", Method.LETTER, 0, SPEC, 5, 10, 1)),
                "history").get(0).rows().get(0).n()).isEqualTo(10);
    }

    private static EvalRun run(String id, String model, String commit, Method method, int shots, String spec,
                               int correct, int n, int minute) {
        Scores.Summary all = Scores.wilson("all", n, correct, Optional.empty());
        Scores.Summary history = Scores.wilson("history", n, correct, Optional.empty());
        EvalRecord record = new EvalRecord(new EvalRecord.Pins(model, commit, "datasets/lab/bench", "b1", "MIT", false,
                "bench", spec, "t".repeat(64), method, shots, 1, "scored", "engine", "cpu"), List.of(all, history),
                Scores.INTERVAL, n, List.of(), "i".repeat(64));
        Instant at = Instant.parse("2026-12-01T00:00:00Z").plusSeconds(60L * minute);
        return new EvalRun(id, "org_lab", "lab", model, commit, "datasets/lab/bench", "b1", "bench", spec, method,
                shots, 1, 0, false, "MIT", false, "job_" + id, Optional.empty(), EvalRun.State.SUCCEEDED, Optional.empty(),
                Optional.of(record), Optional.of(1L), Optional.empty(), "ada", at, at);
    }
}
