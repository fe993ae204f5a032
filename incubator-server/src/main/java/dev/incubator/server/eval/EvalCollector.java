package dev.incubator.server.eval;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.incubator.common.IncubatorException;
import dev.incubator.common.audit.AuditEvent;
import dev.incubator.compute.ComputeService;
import dev.incubator.compute.Job;
import dev.incubator.compute.JobState;
import dev.incubator.eval.EvalRecord;
import dev.incubator.eval.EvalRun;
import dev.incubator.eval.EvalStore;
import dev.incubator.eval.ItemResult;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collects what evaluation jobs leave: when a run's job ends, its record and items are read from the job's
 * checkpoint folder (plain files only, opened without following links, within bounds), checked (the record's pins
 * must be the ones the platform fixed when it scheduled the run; its items' hash and summaries must recompute from
 * the items), stored, and the record's hash appended to the audit log. Runs from the job's start are watched in the
 * background, so a restart of the service loses nothing: a run whose job ended meanwhile is collected then.
 */
public final class EvalCollector {
    private static final Logger LOG = LoggerFactory.getLogger(EvalCollector.class);
    /** Where the harness writes, under the job's $INCUBATOR_CHECKPOINT_DIR. */
    static final String OUTPUT = "eval";
    static final long MAX_RECORD_BYTES = 1L << 20;
    static final long MAX_ITEMS_BYTES = 64L << 20;
    static final int MAX_ITEMS = 200_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final EvalStore store;
    private final ComputeService compute;
    private final Function<Job, Path> directory;
    private final Function<AuditEvent, AuditEvent> audit;
    private final Clock clock;

    public EvalCollector(EvalStore store, ComputeService compute, Function<Job, Path> directory,
                         Function<AuditEvent, AuditEvent> audit, Clock clock) {
        this.store = store;
        this.compute = compute;
        this.directory = directory;
        this.audit = audit;
        this.clock = clock;
    }

    /** One pass over the runs not yet final (the background's). */
    public void reconcile() {
        for (EvalRun run : store.read(EvalStore.Repositories::unfinished)) {
            try {
                refresh(run);
            } catch (RuntimeException e) {
                LOG.warn("evaluation {}: could not collect: {}", run.id(), e.toString());
            }
        }
    }

    /** The run brought up to date with its job: running, or collected once the job ended. */
    public synchronized EvalRun refresh(EvalRun seen) {
        EvalRun run = store.read(r -> r.find(seen.id())).orElse(seen);
        if (run.state().isFinal()) {
            return run;
        }
        Optional<Job> job = compute.find(run.jobId());
        if (job.isEmpty()) {
            return finish(run, run.withState(EvalRun.State.FAILED, Optional.of("its job " + run.jobId()
                    + " is gone"), clock.instant()));
        }
        JobState state = job.get().state();
        if (!state.isFinal()) {
            if (state == JobState.RUNNING && run.state() == EvalRun.State.QUEUED) {
                EvalRun running = run.withState(EvalRun.State.RUNNING, Optional.empty(), clock.instant());
                store.write(r -> r.update(running));
                return running;
            }
            return run;
        }
        if (state == JobState.CANCELLED) {
            return finish(run, run.withState(EvalRun.State.CANCELLED, Optional.of("its job was cancelled"
                    + job.get().message().map(message -> ": " + message).orElse("")), clock.instant()));
        }
        if (state != JobState.SUCCEEDED) {
            return finish(run, run.withState(EvalRun.State.FAILED, Optional.of("its job " + state.name()
                    .toLowerCase(Locale.ROOT) + job.get().message().map(message -> ": " + message).orElse("")
                    + " (see 'incubator job logs " + run.jobId() + "')"), clock.instant()));
        }
        try {
            return collect(run, job.get());
        } catch (IncubatorException e) {
            return finish(run, run.withState(EvalRun.State.FAILED, Optional.of("its result was refused: "
                    + e.getMessage()), clock.instant()));
        }
    }

    private EvalRun finish(EvalRun before, EvalRun after) {
        store.write(r -> r.update(after));
        LOG.info("evaluation {}: {}{}", after.id(), after.state().wire(), after.message().map(m -> " (" + m + ")")
                .orElse(""));
        return after;
    }

    private EvalRun collect(EvalRun run, Job job) {
        Path checkpoints = directory.apply(job).resolve("checkpoints");
        EvalRecord record = EvalRecord.parse(text(checkpoints, "record.json", MAX_RECORD_BYTES));
        String itemsText = text(checkpoints, "items.jsonl", MAX_ITEMS_BYTES);
        List<String> lines = new ArrayList<>();
        List<ItemResult> items = new ArrayList<>();
        for (String line : itemsText.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            if (lines.size() == MAX_ITEMS) {
                throw IncubatorException.validation("items", "more than " + MAX_ITEMS + " items");
            }
            ItemResult item = EvalRecord.item(line);
            items.add(item);
            lines.add(JSON_LINE.apply(item));
        }
        List<String> problems = new ArrayList<>(run.mismatches(record.pins()));
        problems.addAll(record.verify(items));
        if (!problems.isEmpty()) {
            throw IncubatorException.validation("record", String.join("; ", problems));
        }
        Optional<EvalRun.ContaminationCheck> check = run.contamination().map(planned -> contamination(checkpoints,
                planned, items.size()));
        Map<String, String> details = new TreeMap<>();
        details.put("record_sha256", record.sha256());
        details.put("items_sha256", record.itemsSha256());
        details.put("model", run.model() + "@" + run.modelCommit());
        details.put("benchmark", run.benchmark() + "@" + run.benchmarkCommit());
        details.put("task_sha256", run.taskSha256());
        details.put("method", run.method().wire());
        details.put("shots", Integer.toString(run.shots()));
        details.put("accuracy", Double.toString(record.summaries().get(0).accuracy()));
        details.put("job", run.jobId());
        check.ifPresent(c -> details.put("contamination", c.verdict() + " (" + c.contaminated().size() + " of "
                + c.checked() + ")"));
        AuditEvent appended = audit.apply(new AuditEvent(0, clock.instant(), run.createdBy(), "eval.record",
                "evaluation", run.id(), Optional.of(run.orgId()), "eval-" + run.id(), AuditEvent.Outcome.SUCCESS,
                "job " + run.jobId(), details));
        EvalRun done = run.withRecord(record, appended.sequence(), check, clock.instant());
        store.write(r -> {
            if (r.update(done)) {
                r.putItems(run.id(), lines);
            }
            return null;
        });
        LOG.info("evaluation {}: {} on {} {} {}-shot: accuracy {} over {} items; record {} signed as audit event {}",
                run.id(), run.model(), run.benchmark(), run.method().wire(), run.shots(),
                record.summaries().get(0).accuracy(), record.items(), record.sha256(), appended.sequence());
        return done;
    }

    /** The items checked against the model's training data: what the job found in the folders it was given. */
    private EvalRun.ContaminationCheck contamination(Path checkpoints, EvalRun.ContaminationCheck planned, int items) {
        JsonNode found;
        try {
            found = JSON.readTree(text(checkpoints, "contamination.json", MAX_RECORD_BYTES * 4));
        } catch (IOException e) {
            throw IncubatorException.validation("contamination", "contamination.json is not JSON");
        }
        List<String> contaminated = new ArrayList<>();
        found.path("contaminated").forEach(id -> contaminated.add(id.asText()));
        if (found.path("checked").asInt(-1) != items || contaminated.size() > items) {
            throw IncubatorException.validation("contamination", "contamination.json checked "
                    + found.path("checked").asInt(-1) + " items, the run has " + items);
        }
        return new EvalRun.ContaminationCheck(planned.datasets(), items, List.copyOf(contaminated));
    }

    private static final Function<ItemResult, String> JSON_LINE = item -> {
        try {
            return JSON.writeValueAsString(EvalRecord.json(item));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    };

    /** The run's progress (done, total) from the harness's progress.json, while it runs. */
    public Optional<int[]> progress(EvalRun run) {
        Optional<Job> job = compute.find(run.jobId());
        if (job.isEmpty() || job.get().state() != JobState.RUNNING) {
            return Optional.empty();
        }
        try {
            JsonNode node = JSON.readTree(text(directory.apply(job.get()).resolve("checkpoints"), "progress.json",
                    4096));
            return Optional.of(new int[] {node.path("done").asInt(), node.path("total").asInt()});
        } catch (IOException | IncubatorException e) {
            return Optional.empty(); // not started yet, or a half-written file: no progress to show this time
        }
    }

    /** One stored item line as a map, for the API. */
    static Map<String, Object> itemMap(String line) {
        try {
            return JSON.readValue(line, new TypeReference<LinkedHashMap<String, Object>>() {
            });
        } catch (IOException e) {
            throw new IllegalStateException("a stored evaluation item is not JSON", e);
        }
    }

    static String text(Path checkpoints, String name, long max) {
        return dev.incubator.server.JobOutput.text(checkpoints, OUTPUT, name, max);
    }
}
