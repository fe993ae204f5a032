package dev.incubator.eval;

import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** Evaluation runs and their per-item results, in the metadata store's transactions. */
public interface EvalStore {
    interface Repositories {
        void insert(EvalRun run);

        /** Replaces the run's row unless it is already final; false if it was (another writer finished it first). */
        boolean update(EvalRun run);

        Optional<EvalRun> find(String id);

        /** An organisation's runs, newest first. */
        Page<EvalRun> list(String orgId, PageRequest page);

        /** Runs not yet final, oldest first: what the platform watches. */
        List<EvalRun> unfinished();

        /** Succeeded runs of a benchmark (every benchmark when empty): what leaderboards are made of. */
        List<EvalRun> succeeded(Optional<String> benchmark);

        /** Stores a run's items in their order (the record's order), as the JSON lines the job wrote. */
        void putItems(String runId, List<String> lines);

        /** A run's items in order; the cursor is the item's position. */
        Page<String> items(String runId, PageRequest page);
    }

    <T> T read(Function<Repositories, T> work);

    <T> T write(Function<Repositories, T> work);
}
