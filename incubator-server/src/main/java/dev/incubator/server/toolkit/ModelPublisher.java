package dev.incubator.server.toolkit;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.incubator.common.ErrorCode;
import dev.incubator.common.IncubatorException;
import dev.incubator.common.RequestMeta;
import dev.incubator.common.access.Subject;
import dev.incubator.common.audit.AuditEvent;
import dev.incubator.compute.ComputeService;
import dev.incubator.compute.EnergyModel;
import dev.incubator.compute.Job;
import dev.incubator.compute.JobState;
import dev.incubator.hub.HubService;
import dev.incubator.hub.chunk.FileManifest;
import dev.incubator.hub.repo.Commit;
import dev.incubator.hub.repo.Repo;
import dev.incubator.hub.repo.RepoKind;
import dev.incubator.hub.repo.TreeEntry;
import dev.incubator.hub.repo.Visibility;
import dev.incubator.toolkit.metrics.MetricPoint;
import dev.incubator.toolkit.metrics.RunTracking;
import dev.incubator.toolkit.publish.LlamaShapes;
import dev.incubator.toolkit.publish.ModelCard;
import dev.incubator.toolkit.publish.Provenance;
import dev.incubator.toolkit.publish.Safetensors;
import dev.incubator.toolkit.template.TemplateCatalog;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Publishes a finished run: the Hugging Face files the job left in {@code checkpoints/model} become a commit of a
 * model repository, with a card whose provenance the platform itself vouches for (the job, its template and
 * parameters, the code's content hash, the exact commits it read, GPU-hours and energy) and whose base_model and
 * datasets carry lineage, so the data's restrictions follow the model. The same provenance is an audit event.
 * Files are read as plain files only (never through a link, never a file with other names), within bounds.
 */
public final class ModelPublisher {
    /** Where a template's run leaves its model, under the job's checkpoint directory. */
    public static final String EXPORT = "model";
    static final int MAX_FILES = 64;
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Pattern TARGET = Pattern.compile("models/([A-Za-z0-9][A-Za-z0-9._-]{0,95})/([A-Za-z0-9]"
            + "[A-Za-z0-9._-]{0,95})");

    private final HubService hub;
    private final ComputeService compute;
    private final Function<Job, Path> directory;
    private final RunTracking tracking;
    private final EnergyModel energy;
    private final Consumer<AuditEvent> audit;
    private final Clock clock;
    private final ObjectMapper json;
    private final long maxBytes;

    public ModelPublisher(HubService hub, ComputeService compute, Function<Job, Path> directory, RunTracking tracking,
                          EnergyModel energy, Consumer<AuditEvent> audit, Clock clock, ObjectMapper json,
                          long maxBytes) {
        this.hub = hub;
        this.compute = compute;
        this.directory = directory;
        this.tracking = tracking;
        this.energy = energy;
        this.audit = audit;
        this.clock = clock;
        this.json = json;
        this.maxBytes = maxBytes;
    }

    /** What the publisher asks for: the repository, its visibility when it is made, the card's licence and text. */
    public record Request(String target, Optional<Visibility> visibility, Optional<String> license,
                          Optional<String> summary) {
    }

    public record Published(String repository, String commit, List<String> files, long bytes, Provenance provenance,
                            boolean created) {
    }

    public Published publish(Subject subject, String publishedBy, RequestMeta meta, Job job, Request request) {
        var target = TARGET.matcher(request.target());
        if (!target.matches()) {
            throw IncubatorException.validation("to", "must name a model repository: models/ORG/NAME, not '"
                    + request.target() + "'");
        }
        if (job.state() != JobState.SUCCEEDED) {
            throw new IncubatorException(ErrorCode.CONFLICT, "job " + job.id() + " is " + job.state().name()
                    .toLowerCase(java.util.Locale.ROOT) + "; only a job that succeeded is published (its model is in"
                    + " $INCUBATOR_CHECKPOINT_DIR/" + EXPORT + ")");
        }
        Path jobDirectory = directory.apply(job);
        List<Path> files = exported(job, jobDirectory.resolve("checkpoints").resolve(EXPORT));
        Optional<LlamaShapes.Config> model = check(files);
        Provenance provenance = provenance(job, jobDirectory, publishedBy);

        String namespace = target.group(1);
        String name = target.group(2);
        boolean created = false;
        Repo repo;
        Optional<Repo> existing = hub.lookup(RepoKind.MODEL, namespace, name);
        if (existing.isPresent()) {
            repo = hub.find(subject, RepoKind.MODEL, namespace, name, dev.incubator.common.access.Action.REPO_WRITE);
        } else {
            repo = hub.create(subject, RepoKind.MODEL, namespace, name, request.visibility()
                    .orElse(Visibility.ORGANISATION));
            created = true;
        }
        List<HubService.FileOp> operations = new ArrayList<>();
        List<String> names = new ArrayList<>();
        long bytes = 0;
        try {
            for (Path file : files) {
                FileManifest manifest;
                try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
                    manifest = hub.receiveFile(subject, repo, in);
                }
                String path = file.getFileName().toString();
                operations.add(new HubService.FileOp.PutStored(path, manifest.sha256(), manifest.size(),
                        path.endsWith(".safetensors")));
                names.add(path);
                bytes += manifest.size();
            }
            String card = ModelCard.render(request.target(), provenance, new ModelCard.Options(request.license(),
                    request.summary()), model);
            operations.add(new HubService.FileOp.PutBytes("README.md", card.getBytes(StandardCharsets.UTF_8)));
            names.add("README.md");
            Commit commit = hub.commit(subject, repo, "main", Optional.empty(), "Publish " + job.id() + " (attempt "
                    + job.attempt() + ")" + provenance.template().map(t -> " from the " + t + " template").orElse(""),
                    operations);
            audit.accept(new AuditEvent(0, clock.instant(), subject.actor(), "toolkit.publish", "repository", repo.id(),
                    Optional.of(job.orgId()), meta.requestId(), AuditEvent.Outcome.SUCCESS, meta.sourceAddress(),
                    provenance.auditDetails(request.target(), commit.id())));
            return new Published(request.target(), commit.id(), names, bytes, provenance, created);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the job's model: " + e.getMessage(), e);
        }
    }

    /** The files of the export folder: plain files with plain names, within the bounds. */
    private List<Path> exported(Job job, Path folder) {
        if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
            throw new IncubatorException(ErrorCode.CONFLICT, "job " + job.id() + " left no model: write it in Hugging"
                    + " Face's layout (config.json, model.safetensors, tokenizer.json) to $INCUBATOR_CHECKPOINT_DIR/"
                    + EXPORT + ", as the templates do");
        }
        List<Path> files = new ArrayList<>();
        long total = 0;
        try (Stream<Path> entries = Files.list(folder)) {
            for (Path entry : entries.sorted().toList()) {
                String fileName = entry.getFileName().toString();
                if (fileName.equals("README.md") || fileName.endsWith(".partial")) {
                    continue; // the card is the platform's to write
                }
                var attributes = Files.readAttributes(entry, "unix:nlink,size", LinkOption.NOFOLLOW_LINKS);
                if (!Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS)
                        || ((Number) attributes.get("nlink")).intValue() != 1 || !FILE_NAME.matcher(fileName).matches()) {
                    throw new IncubatorException(ErrorCode.VALIDATION_FAILED, "the job's model folder holds '" + fileName
                            + "', which is not a plain file (links, folders and odd names are not published)");
                }
                total += ((Number) attributes.get("size")).longValue();
                files.add(entry);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not list the job's model: " + e.getMessage(), e);
        }
        if (files.size() > MAX_FILES || total > maxBytes) {
            throw new IncubatorException(ErrorCode.VALIDATION_FAILED, "the job's model has " + files.size()
                    + " files of " + total + " bytes; at most " + MAX_FILES + " files and " + maxBytes + " bytes are"
                    + " published");
        }
        return files;
    }

    /** A llama model must be what its config.json says; a folder with only a tokenizer is a tokenizer. */
    private Optional<LlamaShapes.Config> check(List<Path> files) {
        Optional<Path> config = find(files, "config.json");
        Optional<Path> weights = find(files, "model.safetensors");
        try {
            if (config.isEmpty() || weights.isEmpty()) {
                Optional<Path> tokenizer = find(files, "tokenizer.json");
                if (tokenizer.isPresent() && weights.isEmpty()) {
                    json.readTree(tokenizer.get().toFile());
                    return Optional.empty();
                }
                throw new IncubatorException(ErrorCode.VALIDATION_FAILED, "the job's model has "
                        + (config.isEmpty() ? "no config.json" : "no model.safetensors") + "; a model is published with"
                        + " both (a tokenizer alone with tokenizer.json)");
            }
            Map<String, Object> parsed = json.readValue(config.get().toFile(), new TypeReference<>() {
            });
            LlamaShapes.Config shapes = LlamaShapes.config(parsed);
            Safetensors.Header header;
            try (InputStream in = Files.newInputStream(weights.get(), LinkOption.NOFOLLOW_LINKS)) {
                header = Safetensors.read(in, Files.size(weights.get()));
            }
            List<String> problems = LlamaShapes.mismatches(shapes, header);
            if (!problems.isEmpty()) {
                throw new IncubatorException(ErrorCode.VALIDATION_FAILED, "model.safetensors does not match"
                        + " config.json: " + String.join("; ", problems.subList(0, Math.min(5, problems.size())))
                        + (problems.size() > 5 ? "; and " + (problems.size() - 5) + " more" : ""));
            }
            return Optional.of(shapes);
        } catch (Safetensors.InvalidModelException e) {
            throw new IncubatorException(ErrorCode.VALIDATION_FAILED, e.getMessage());
        } catch (IOException e) {
            throw new IncubatorException(ErrorCode.VALIDATION_FAILED, "the job's config.json or tokenizer.json is not"
                    + " JSON: " + e.getMessage());
        }
    }

    private static Optional<Path> find(List<Path> files, String name) {
        return files.stream().filter(file -> file.getFileName().toString().equals(name)).findFirst();
    }

    private Provenance provenance(Job job, Path jobDirectory, String publishedBy) {
        Map<String, String> env = job.spec().env();
        SortedMap<String, Object> params = new TreeMap<>();
        Optional.ofNullable(env.get(TemplateCatalog.PARAMS_VARIABLE)).ifPresent(text -> {
            try {
                params.putAll(json.readValue(text, new TypeReference<Map<String, Object>>() {
                }));
            } catch (IOException e) {
                params.put("unreadable", text.length() > 200 ? text.substring(0, 200) : text);
            }
        });
        SortedMap<String, String> datasets = new TreeMap<>();
        SortedMap<String, String> models = new TreeMap<>();
        String codeRepository = job.spec().code().map(code -> code.split("@", 2)[0]).orElse("");
        dev.incubator.server.JobMounts.revisions(jobDirectory).forEach((name, commit) -> {
            if (name.equals(codeRepository)) {
                return;
            }
            (name.startsWith("datasets/") ? datasets : models).put(name, commit);
        });
        Optional<String> codeHash = job.spec().code().flatMap(this::codeHash);
        var usage = compute.usage(job.orgId(), job.submittedAt(), energy).perJob().stream()
                .filter(line -> line.key().equals(job.id())).findFirst();
        BigDecimal gpuHours = BigDecimal.valueOf(usage.map(line -> line.gpuHours()).orElse(0.0))
                .setScale(4, RoundingMode.HALF_UP);
        BigDecimal kwh = BigDecimal.valueOf(usage.map(line -> line.energyKwh()).orElse(0.0)).setScale(4, RoundingMode.HALF_UP);
        SortedMap<String, Double> finalMetrics = new TreeMap<>();
        for (MetricPoint point : tracking.latest(job.id()).values()) {
            finalMetrics.put(point.name(), point.value());
        }
        return new Provenance(job.id(), job.attempt(), job.orgName(), job.submittedBy(), publishedBy,
                Optional.ofNullable(env.get(TemplateCatalog.TEMPLATE_VARIABLE)), params, job.spec().code(), codeHash,
                datasets, models, gpuHours, kwh, job.startedAt(), job.finishedAt().orElse(clock.instant()),
                finalMetrics);
    }

    /** The content hash of the code a job ran: its repository's tree at the pinned commit (see Provenance). */
    public Optional<String> codeHash(String code) {
        String[] at = code.split("@", 2);
        String[] parts = at[0].split("/");
        if (at.length < 2 || parts.length != 3) {
            return Optional.empty();
        }
        return hub.lookup(parts[0].equals("datasets") ? RepoKind.DATASET : RepoKind.MODEL, parts[1], parts[2])
                .map(repo -> {
                    SortedMap<String, String> tree = new TreeMap<>();
                    for (TreeEntry entry : hub.resolve(repo, at[1]).tree()) {
                        tree.put(entry.path(), entry.sha256());
                    }
                    return Provenance.codeHash(tree);
                });
    }
}
