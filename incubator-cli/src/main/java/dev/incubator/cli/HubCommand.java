package dev.incubator.cli;

import static dev.incubator.cli.Output.Column.field;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.incubator.cli.HubTransfer.RepoRef;
import dev.incubator.cli.Output.Column;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "hub", mixinStandardHelpOptions = true,
        description = "Model and dataset repositories: create, push, pull, list, log, diff; fsck and gc (operator).",
        subcommands = {HubCommand.Create.class, HubCommand.Ls.class, HubCommand.Push.class, HubCommand.Pull.class,
                HubCommand.Log.class, HubCommand.Diff.class, HubCommand.Tag.class, HubCommand.Visibility.class,
                HubCommand.Lineage.class, HubCommand.LineageException.class, HubCommand.Fsck.class,
                HubCommand.Gc.class})
final class HubCommand {
    /** Names as every command takes them: NAMESPACE/NAME for models, datasets/NAMESPACE/NAME for datasets. */
    static final List<Column> REPO_COLUMNS = List.of(new Column("repository", node -> (node.path("kind").asText()
                    .equals("dataset") ? "datasets/" : "") + node.path("full_name").asText()), field("kind", "kind"),
            field("visibility", "visibility"), new Column("license", node -> Output.text(node.path("card")
                    .path("license"))), field("updated", "updated_at"));
    private static final String REPO_HELP = "NAMESPACE/NAME for a model, datasets/NAMESPACE/NAME for a dataset";

    static String path(RepoRef repo) {
        return "/api/v1/repos/" + repo.kind() + "/" + ClientCommand.segment(repo.namespace()) + "/"
                + ClientCommand.segment(repo.name());
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a repository.")
    static final class Create extends ClientCommand {
        @Parameters(index = "0", description = REPO_HELP)
        String repo;

        @Option(names = "--visibility", defaultValue = "organisation",
                description = "public, organisation, private or gated (default: ${DEFAULT-VALUE})")
        String visibility;

        @Override
        public Integer call() {
            RepoRef ref = RepoRef.parse(repo);
            print(client().post("/api/v1/repos", Map.of("kind", ref.kind(), "namespace", ref.namespace(), "name",
                    ref.name(), "visibility", visibility.toLowerCase(Locale.ROOT))), REPO_COLUMNS);
            return 0;
        }
    }

    @Command(name = "ls", mixinStandardHelpOptions = true,
            description = "List repositories you may see, or the files of one repository at a revision.")
    static final class Ls extends ClientCommand {
        @Parameters(index = "0", arity = "0..1", description = REPO_HELP + ", optionally @REVISION")
        String repo;

        @Option(names = "--search", description = "Only repositories whose name or card mentions this")
        String search;

        @Option(names = "--kind", paramLabel = "KIND", description = "Only models or only datasets (default: both)")
        String kind;

        @Option(names = "--datasets", hidden = true, description = "Only datasets (as --kind dataset)")
        boolean datasets;

        @ArgGroup(exclusive = false)
        PageOptions page = new PageOptions();

        @Override
        public Integer call() {
            if (repo == null) {
                String only = datasets ? "dataset" : kind == null ? null : kind.toLowerCase(java.util.Locale.ROOT)
                        .replaceAll("s$", "");
                if (only != null && !only.equals("model") && !only.equals("dataset")) {
                    throw new CliException("--kind: '" + kind + "' is not one of model, dataset");
                }
                java.util.List<String> query = new java.util.ArrayList<>();
                if (only != null) {
                    query.add("kind=" + only);
                }
                if (search != null) {
                    query.add("search=" + segment(search));
                }
                printList("/api/v1/repos" + (query.isEmpty() ? "" : "?" + String.join("&", query)), page,
                        REPO_COLUMNS);
                return 0;
            }
            RepoRef ref = RepoRef.parse(repo);
            JsonNode tree = client().get(path(ref) + "/tree/" + segment(ref.revision()));
            ObjectNode list = JsonNodeFactory.instance.objectNode();
            list.set("items", tree.path("files"));
            list.putNull("next_cursor");
            if (output == Output.Format.json) {
                Output.json(out(), tree);
                return 0;
            }
            Output.printList(out(), output, list, List.of(field("path", "path"),
                    new Column("size", node -> Progress.bytes(node.path("size").asLong())),
                    new Column("sha256", node -> node.path("sha256").asText().substring(0, 12))));
            out().println(tree.path("files").size() + " file(s), " + Progress.bytes(tree.path("total_bytes").asLong())
                    + " at commit " + tree.path("commit").asText());
            out().flush();
            return 0;
        }
    }

    @Command(name = "push", mixinStandardHelpOptions = true,
            description = {"Upload a directory as a commit. Only chunks the repository lacks travel, so a push that "
                    + "was interrupted resumes where it stopped when run again.",
                    "The commit goes on the branch head the push started from; if someone pushed meanwhile it fails "
                            + "and nothing changes."})
    static final class Push extends ClientCommand {
        @Parameters(index = "0", description = "Directory to upload")
        Path directory;

        @Parameters(index = "1", description = REPO_HELP + ", optionally @BRANCH (default main)")
        String repo;

        @Option(names = {"-m", "--message"}, description = "Commit message (default: 'Upload from <directory>')")
        String message;

        @Option(names = "--delete", description = "Also delete files of the branch that are not in the directory")
        boolean delete;

        @Override
        public Integer call() throws IOException {
            if (!Files.isDirectory(directory)) {
                throw new CliException("'" + directory + "' is not a directory");
            }
            RepoRef ref = RepoRef.parse(repo);
            HubTransfer.PushResult result = new HubTransfer(client(), ref).push(directory.toAbsolutePath().normalize(),
                    ref.revision(), message == null ? "Upload from " + directory.getFileName() : message, delete);
            ObjectNode summary = JsonNodeFactory.instance.objectNode();
            summary.put("commit", result.commit().path("id").asText());
            summary.put("unchanged", result.unchanged());
            summary.put("repository", ref.display());
            summary.put("files", result.files());
            summary.put("bytes", result.bytes());
            summary.put("chunks", result.totalChunks());
            summary.put("chunks_sent", result.sentChunks());
            summary.put("bytes_sent", result.sentBytes());
            summary.put("seconds", Math.round(result.seconds() * 1000) / 1000.0);
            if (result.unchanged() && output != Output.Format.json) {
                out().println("nothing changed: " + ref.display() + "@" + ref.revision() + " already holds these "
                        + result.files() + " file(s) (commit " + result.commit().path("id").asText() + "); no commit made");
                out().flush();
                return 0;
            }
            print(summary, List.of(field("commit", "commit"), field("repository", "repository"),
                    field("files", "files"), new Column("size", node -> Progress.bytes(node.path("bytes").asLong())),
                    new Column("sent", node -> Progress.bytes(node.path("bytes_sent").asLong()) + " in "
                            + node.path("chunks_sent").asInt() + " of " + node.path("chunks").asInt() + " chunks"),
                    field("seconds", "seconds")));
            return 0;
        }
    }

    @Command(name = "pull", mixinStandardHelpOptions = true,
            description = {"Download a revision into a directory. Files already there with the right content are "
                    + "skipped; interrupted downloads resume; every file is checked against its SHA-256."})
    static final class Pull extends ClientCommand {
        @Parameters(index = "0", description = REPO_HELP + ", optionally @REVISION (default main)")
        String repo;

        @Parameters(index = "1", description = "Target directory (created if absent)")
        Path directory;

        @Option(names = "--include", paramLabel = "GLOB", description = "Only files whose path matches (repeatable),"
                + " e.g. config.json, *.safetensors or tokenizer/**")
        List<String> include = new java.util.ArrayList<>();

        @Option(names = "--exclude", paramLabel = "GLOB", description = "Not files whose path matches (repeatable)")
        List<String> exclude = new java.util.ArrayList<>();

        @Override
        public Integer call() throws IOException {
            RepoRef ref = RepoRef.parse(repo);
            Files.createDirectories(directory);
            HubTransfer.PullResult result = new HubTransfer(client(), ref).pull(ref.revision(),
                    directory.toAbsolutePath().normalize(), include, exclude);
            if (result.files() == 0 && (!include.isEmpty() || !exclude.isEmpty())) {
                throw new CliException("no file of " + ref.display() + "@" + ref.revision() + " matches --include "
                        + include + " / --exclude " + exclude);
            }
            result.terms().ifPresent(terms -> {
                var err = spec.commandLine().getErr();
                err.println("terms of use" + result.agreement().map(id -> " (agreement " + id + ")").orElse("") + ": "
                        + terms);
                err.flush();
            });
            ObjectNode summary = JsonNodeFactory.instance.objectNode();
            summary.put("commit", result.commit());
            summary.put("files", result.files());
            summary.put("downloaded", result.downloaded());
            summary.put("bytes", result.bytes());
            summary.put("seconds", Math.round(result.seconds() * 1000) / 1000.0);
            result.agreement().ifPresent(id -> summary.put("agreement", id));
            result.terms().ifPresent(terms -> summary.put("terms", terms));
            print(summary, List.of(field("commit", "commit"), field("files", "files"),
                    field("downloaded", "downloaded"), new Column("size", node -> Progress.bytes(node.path("bytes")
                            .asLong())), field("seconds", "seconds")));
            return 0;
        }
    }

    @Command(name = "log", mixinStandardHelpOptions = true, description = "Commits of a revision, newest first.")
    static final class Log extends ClientCommand {
        @Parameters(index = "0", description = REPO_HELP + ", optionally @REVISION")
        String repo;

        @ArgGroup(exclusive = false)
        PageOptions page = new PageOptions();

        @Override
        public Integer call() {
            RepoRef ref = RepoRef.parse(repo);
            printList(path(ref) + "/commits?revision=" + segment(ref.revision()), page, List.of(
                    new Column("commit", node -> node.path("id").asText().substring(0, 12)), field("author", "author"),
                    field("time", "created_at"), field("files", "files"),
                    new Column("message", node -> node.path("message").asText().lines().findFirst().orElse(""))));
            return 0;
        }
    }

    @Command(name = "diff", mixinStandardHelpOptions = true,
            description = "Files added, removed and modified between two revisions.")
    static final class Diff extends ClientCommand {
        @Parameters(index = "0", description = REPO_HELP)
        String repo;

        @Parameters(index = "1", description = "Older revision")
        String from;

        @Parameters(index = "2", arity = "0..1", description = "Newer revision (default main)")
        String to = "main";

        @Override
        public Integer call() {
            RepoRef ref = RepoRef.parse(repo);
            JsonNode diff = client().get(path(ref) + "/diff", Map.of("from", from, "to", to));
            if (output == Output.Format.json) {
                Output.json(out(), diff);
                return 0;
            }
            for (JsonNode change : diff.path("changes")) {
                String sign = switch (change.path("kind").asText()) {
                    case "added" -> "+";
                    case "removed" -> "-";
                    default -> "M";
                };
                JsonNode before = change.path("before");
                JsonNode after = change.path("after");
                out().println(sign + " " + change.path("path").asText() + "  " + (before.isObject()
                        ? Progress.bytes(before.path("size").asLong()) : "") + (before.isObject() && after.isObject()
                        ? " -> " : "") + (after.isObject() ? Progress.bytes(after.path("size").asLong()) : ""));
            }
            out().println(diff.path("changes").size() + " change(s) from " + diff.path("from").asText().substring(0, 12)
                    + " to " + diff.path("to").asText().substring(0, 12));
            out().flush();
            return 0;
        }
    }

    @Command(name = "tag", mixinStandardHelpOptions = true,
            description = "Tag a revision (tags never move), or create a branch with --branch.")
    static final class Tag extends ClientCommand {
        @Parameters(index = "0", description = REPO_HELP + ", optionally @REVISION to tag (default main)")
        String repo;

        @Parameters(index = "1", description = "Tag (or branch) name, e.g. v1.0")
        String name;

        @Option(names = "--branch", description = "Create a branch instead of a tag")
        boolean branch;

        @Override
        public Integer call() {
            RepoRef ref = RepoRef.parse(repo);
            print(client().post(path(ref) + "/refs", Map.of("name", name, "kind", branch ? "branch" : "tag",
                    "revision", ref.revision())), List.of(field("name", "name"), field("kind", "kind"),
                    field("commit", "commit")));
            return 0;
        }
    }

    @Command(name = "visibility", mixinStandardHelpOptions = true,
            description = {"Change who may read a repository (admin). Making it public re-seals its content in the "
                    + "public encryption domain, and is refused while it inherits restrictions along its lineage."})
    static final class Visibility extends ClientCommand {
        @Parameters(index = "0", description = REPO_HELP)
        String repo;

        @Parameters(index = "1", description = "public, organisation, private or gated")
        String visibility;

        @Override
        public Integer call() {
            print(client().patch(path(RepoRef.parse(repo)), Map.of("visibility", visibility.toLowerCase(Locale.ROOT))),
                    REPO_COLUMNS);
            return 0;
        }
    }

    @Command(name = "lineage", mixinStandardHelpOptions = true,
            description = "Restrictions a repository inherits from the base models and datasets its card names.")
    static final class Lineage extends ClientCommand {
        @Parameters(index = "0", description = REPO_HELP)
        String repo;

        @Override
        public Integer call() {
            JsonNode lineage = client().get(path(RepoRef.parse(repo)) + "/lineage");
            if (output == Output.Format.json) {
                Output.json(out(), lineage);
                return 0;
            }
            for (JsonNode inherited : lineage.path("inherited")) {
                List<String> path = new java.util.ArrayList<>();
                inherited.path("path").forEach(node -> path.add(node.asText()));
                out().println(inherited.path("restriction").asText() + ": " + String.join(" -> ", path) + " ("
                        + inherited.path("why").asText() + ")");
            }
            out().println(lineage.path("inherited").isEmpty() ? "no inherited restrictions"
                    : lineage.path("inherited").size() + " inherited restriction(s)");
            out().flush();
            return 0;
        }
    }

    @Command(name = "lineage-exception", mixinStandardHelpOptions = true,
            description = "As the owner of a restricted repository, let a derived one be published (admin).")
    static final class LineageException extends ClientCommand {
        @Parameters(index = "0", description = "Your repository: " + REPO_HELP)
        String upstream;

        @Parameters(index = "1", description = "The derived repository: models/NAMESPACE/NAME or datasets/NAMESPACE/NAME")
        String downstream;

        @Option(names = "--reason", required = true, description = "Why it may be published")
        String reason;

        @Override
        public Integer call() {
            client().postPlain(path(RepoRef.parse(upstream)) + "/lineage-exceptions", Map.of("downstream",
                    downstream.startsWith("models/") || downstream.startsWith("datasets/") ? downstream
                            : "models/" + downstream, "reason", reason));
            out().println("exception granted: " + downstream + " may be published despite " + upstream + "'s terms");
            out().flush();
            return 0;
        }
    }

    @Command(name = "fsck", mixinStandardHelpOptions = true,
            description = "Check every pack, chunk, file and reference of the hub (operator). Exit code 1 on problems.")
    static final class Fsck extends ClientCommand {
        @Override
        public Integer call() {
            JsonNode report = client().postPlain("/api/v1/hub/fsck", Map.of());
            if (output == Output.Format.json) {
                Output.json(out(), report);
            } else {
                for (JsonNode problem : report.path("problems")) {
                    out().println("PROBLEM " + problem.path("object").asText() + ": " + problem.path("detail").asText());
                }
                out().println((report.path("clean").asBoolean() ? "clean: " : report.path("problems").size()
                        + " problem(s): ") + report.path("packs").asInt() + " pack(s), "
                        + Progress.bytes(report.path("bytes_checked").asLong()) + " of chunks verified, "
                        + report.path("repositories").asInt() + " repositories, " + report.path("commits").asInt()
                        + " commits, " + report.path("files").asInt() + " files"
                        + (report.path("unreferenced").isEmpty() ? "" : "; " + report.path("unreferenced").size()
                        + " object(s) left by interrupted uploads await garbage collection"));
                out().flush();
            }
            return report.path("clean").asBoolean() ? 0 : 1;
        }
    }

    @Command(name = "gc", mixinStandardHelpOptions = true,
            description = "Remove content no commit needs (operator); uploads within hub.gc-grace-hours are spared.")
    static final class Gc extends ClientCommand {
        @Override
        public Integer call() {
            JsonNode result = client().postPlain("/api/v1/hub/gc", Map.of());
            print(result, List.of(field("files removed", "files"), field("chunks removed", "chunks"),
                    field("packs deleted", "packs_deleted"), field("packs rewritten", "packs_rewritten"),
                    new Column("freed", node -> Progress.bytes(node.path("bytes_freed").asLong()))));
            return 0;
        }
    }
}
