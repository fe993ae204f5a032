package dev.incubator.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.eval.EvalRecord;
import dev.incubator.eval.EvalRun;
import dev.incubator.eval.EvalStore;
import dev.incubator.eval.EvalStore.Repositories;
import dev.incubator.eval.Method;
import dev.incubator.eval.Scores;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Evaluation runs, their signed records and their items on a real metadata store. */
public abstract class EvalStoreContract extends ServingStoreContract {
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    private static EvalRun queued(String id, String org, String benchmark, int minute) {
        Instant at = T0.plusSeconds(60L * minute);
        return new EvalRun(id, org, org + "-name", "models/lab/tiny", "a".repeat(40), benchmark, "b".repeat(40),
                "xcopa-zh", "c".repeat(64), Method.LOGLIKELIHOOD, 5, 1234, 100, false, "CC-BY-4.0", true,
                "job_" + id, Optional.of("lab/tiny-chat"), EvalRun.State.QUEUED, Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.of(new EvalRun.ContaminationCheck(new TreeMap<>(java.util.Map.of(
                        "datasets/lab/corpus", "d".repeat(40))), 0, List.of())), "alice", at, at);
    }

    private static EvalRecord record() {
        return new EvalRecord(new EvalRecord.Pins("models/lab/tiny", "a".repeat(40), "datasets/lab/xcopa",
                "b".repeat(40), "CC-BY-4.0", true, "xcopa-zh", "c".repeat(64), "t".repeat(64), Method.LOGLIKELIHOOD,
                5, 1234, "scored, no sampling", "engine", "cpu"), List.of(Scores.wilson("all", 3, 2,
                Optional.of(1.0 / 3)), Scores.wilson("cause", 2, 1, Optional.of(0.5)),
                Scores.wilson("effect", 1, 1, Optional.of(0.0))), Scores.INTERVAL, 3, List.of("val/9"),
                "e".repeat(64));
    }

    @Test
    void aRunComesBackAsStoredAndASignedRecordReadsBackToTheSameHash() {
        EvalStore store = new JdbiEval(database);
        EvalRun run = queued("eval_1", "org_lab", "datasets/lab/xcopa", 0);
        store.write((Repositories r) -> {
            r.insert(run);
            return null;
        });
        assertThat(store.read((Repositories r) -> r.find("eval_1"))).contains(run);
        assertThat(store.read(Repositories::unfinished)).containsExactly(run);

        EvalRun done = run.withRecord(record(), 42, Optional.of(new EvalRun.ContaminationCheck(
                run.contamination().get().datasets(), 3, List.of("val/2"))), T0.plusSeconds(90));
        assertThat(store.write((Repositories r) -> r.update(done))).isTrue();
        EvalRun read = store.read((Repositories r) -> r.find("eval_1")).orElseThrow();
        assertThat(read).isEqualTo(done);
        assertThat(read.record().orElseThrow().sha256()).isEqualTo(record().sha256());
        assertThat(store.write((Repositories r) -> r.update(done.withState(EvalRun.State.FAILED,
                Optional.of("late"), T0.plusSeconds(99))))).as("a final run is never changed again").isFalse();
        assertThat(store.read(Repositories::unfinished)).isEmpty();
        assertThat(store.read((Repositories r) -> r.succeeded(Optional.of("datasets/lab/xcopa")))).containsExactly(read);
        assertThat(store.read((Repositories r) -> r.succeeded(Optional.of("datasets/lab/other")))).isEmpty();
        assertThat(store.read((Repositories r) -> r.succeeded(Optional.empty()))).containsExactly(read);
    }

    @Test
    void runsListNewestFirstPerOrganisationAndItemsPageInOrder() {
        EvalStore store = new JdbiEval(database);
        store.write((Repositories r) -> {
            for (int i = 1; i <= 5; i++) {
                r.insert(queued("eval_list" + i, "org_list", "datasets/lab/xcopa", i));
            }
            r.insert(queued("eval_other", "org_other", "datasets/lab/xcopa", 9));
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                lines.add("{\"id\":\"item-" + i + "\"}");
            }
            r.putItems("eval_list1", lines);
            return null;
        });
        Page<EvalRun> first = store.read((Repositories r) -> r.list("org_list", PageRequest.first(3)));
        assertThat(first.items()).extracting(EvalRun::id).containsExactly("eval_list5", "eval_list4", "eval_list3");
        Page<EvalRun> second = store.read((Repositories r) -> r.list("org_list", new PageRequest(3,
                first.nextCursor().map(dev.incubator.common.Cursor::decode))));
        assertThat(second.items()).extracting(EvalRun::id).containsExactly("eval_list2", "eval_list1");

        Page<String> items = store.read((Repositories r) -> r.items("eval_list1", PageRequest.first(4)));
        assertThat(items.items()).containsExactly("{\"id\":\"item-0\"}", "{\"id\":\"item-1\"}", "{\"id\":\"item-2\"}",
                "{\"id\":\"item-3\"}");
        Page<String> rest = store.read((Repositories r) -> r.items("eval_list1", new PageRequest(4,
                items.nextCursor().map(dev.incubator.common.Cursor::decode))));
        assertThat(rest.items()).hasSize(3).last().isEqualTo("{\"id\":\"item-6\"}");
        assertThat(rest.nextCursor()).isEmpty();
        assertThat(store.read((Repositories r) -> r.items("eval_other", PageRequest.first(4))).items()).isEmpty();
    }
}
