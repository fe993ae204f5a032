package dev.incubator.cli;

import static dev.incubator.cli.Output.Column.field;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.incubator.common.io.SecretFiles;
import dev.incubator.governance.audit.AuditVerifier;
import dev.incubator.governance.audit.CanonicalJson;
import dev.incubator.governance.audit.HeadSigner;
import dev.incubator.governance.audit.TreeHead;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "Read the audit log, fetch signed tree heads and proofs, export a range, verify it offline.",
        subcommands = {AuditCommand.Events.class, AuditCommand.Head.class, AuditCommand.Proof.class,
                AuditCommand.Export.class, AuditCommand.Verify.class, AuditCommand.Witnesses.class,
                AuditCommand.WitnessAdd.class, AuditCommand.Witness.class})
final class AuditCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Command(name = "events", mixinStandardHelpOptions = true,
            description = "List audit events: all (operator, auditor) or one organisation's (--org, its admins too).")
    static final class Events extends ClientCommand {
        @Option(names = "--org", description = "Only this organisation's events")
        String org;

        @Option(names = "--actor", description = "Only this actor's events, e.g. user:ada")
        String actor;

        @Option(names = "--action", description = "Only actions starting with this, e.g. job. or membership.add")
        String action;

        @Option(names = "--since", description = "Only events since this day or time, e.g. 2026-11-01")
        String since;

        @Option(names = "--oldest-first", description = "In append order (default: newest first)")
        boolean oldestFirst;

        @ArgGroup(exclusive = false)
        PageOptions page = new PageOptions();

        @Override
        public Integer call() {
            StringBuilder path = new StringBuilder(org == null ? "/api/v1/audit-events" : "/api/v1/orgs/"
                    + segment(org) + "/audit-events");
            path.append("?order=").append(oldestFirst ? "oldest" : "newest");
            if (actor != null) {
                path.append("&actor=").append(segment(actor));
            }
            if (action != null) {
                path.append("&action=").append(segment(action));
            }
            if (since != null) {
                path.append("&since=").append(segment(since));
            }
            printList(path.toString(), page, List.of(field("#", "sequence"), field("time", "time"), field("actor", "actor"),
                    field("action", "action"), field("target", "target_id"), field("outcome", "outcome"),
                    field("request", "request_id")));
            return 0;
        }
    }

    @Command(name = "head", mixinStandardHelpOptions = true,
            description = "The latest signed tree head (save it with -o json to check later exports against it).")
    static final class Head extends ClientCommand {
        @Override
        public Integer call() {
            print(client().get("/api/v1/audit/tree-head"), List.of(field("tree size", "tree_size"),
                    field("root hash", "root_hash"), field("timestamp", "timestamp"), field("signature", "signature")));
            return 0;
        }
    }

    @Command(name = "proof", mixinStandardHelpOptions = true,
            description = "An event's inclusion proof, or with --first a consistency proof between two tree sizes.")
    static final class Proof extends ClientCommand {
        @Parameters(index = "0", arity = "0..1", description = "The event's sequence number")
        Long sequence;

        @Option(names = "--tree-size", description = "A signed head's size (default: the latest)")
        Long treeSize;

        @Option(names = "--first", description = "Older tree size for a consistency proof")
        Long first;

        @Override
        public Integer call() {
            if (first != null) {
                long second = treeSize != null ? treeSize : client().get("/api/v1/audit/tree-head").path("tree_size")
                        .asLong();
                JsonNode proof = client().get("/api/v1/audit/proof/consistency", Map.of("first",
                        Long.toString(first), "second", Long.toString(second)));
                print(proof, List.of(new Output.Column("consistency", node -> "tree of " + first + " leaves is a"
                                + " prefix of the tree of " + second), field("first size", "first"),
                        field("second size", "second"), new Output.Column("proof hashes", node ->
                                Integer.toString(node.path("proof").size())),
                        new Output.Column("check", node -> "incubator audit verify (with an export) checks it")));
                return 0;
            }
            if (sequence == null) {
                throw new CliException("give an event's sequence number, or --first SIZE for a consistency proof");
            }
            Map<String, String> query = new LinkedHashMap<>();
            query.put("sequence", Long.toString(sequence));
            query.put("tree_size", treeSize == null ? null : Long.toString(treeSize));
            JsonNode proof = client().get("/api/v1/audit/proof/inclusion", query);
            print(proof, List.of(new Output.Column("inclusion", node -> "event " + sequence + " is in the signed tree"),
                    field("leaf index", "leaf_index"), field("tree size", "tree_size"),
                    new Output.Column("audit path", node -> node.path("audit_path").size() + " hash(es)"),
                    new Output.Column("action", node -> node.path("event").path("action").asText()),
                    new Output.Column("actor", node -> node.path("event").path("actor").asText())));
            return 0;
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Write leaves [from, to) with their proofs, the signed head and the public key to a file.")
    static final class Export extends ClientCommand {
        @Option(names = "--from", defaultValue = "0", description = "First leaf index (default 0)")
        long from;

        @Option(names = "--to", description = "One past the last leaf (default: the whole log)")
        Long to;

        @Option(names = "--tree-size", description = "A signed head's size (default: the latest)")
        Long treeSize;

        @Option(names = "--trusted-head", description = "A head saved earlier (audit head -o json): the export then"
                + " carries the proof that the log grew from it without rewriting")
        Path trustedHead;

        @Option(names = "--out", required = true, description = "File to write")
        Path file;

        @Override
        public Integer call() throws IOException {
            ApiClient client = client();
            Map<String, String> query = new LinkedHashMap<>();
            query.put("from", Long.toString(from));
            query.put("to", to == null ? null : Long.toString(to));
            query.put("tree_size", treeSize == null ? null : Long.toString(treeSize));
            ObjectNode bundle = (ObjectNode) client.get("/api/v1/audit/export", query);
            if (trustedHead != null) {
                long trustedSize = JSON.readTree(trustedHead.toFile()).path("tree_size").asLong();
                long size = bundle.path("tree_head").path("tree_size").asLong();
                if (trustedSize > 0 && trustedSize < size) {
                    bundle.set("consistency", client.get("/api/v1/audit/proof/consistency", Map.of("first",
                            Long.toString(trustedSize), "second", Long.toString(size))));
                }
            }
            Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(bundle));
            out().println("wrote " + bundle.path("entries").size() + " entries (leaves " + bundle.path("from").asLong()
                    + " to " + bundle.path("to").asLong() + " of " + bundle.path("tree_head").path("tree_size").asLong()
                    + ") to " + file);
            out().flush();
            return 0;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Check an export offline: the head's signature, every entry against its proof (and the "
                    + "root, for a whole-log export), and with --trusted-head that the log only grew since that head.",
                    "Exit code 1 names the first leaf index that was changed, removed or reordered."})
    static final class Verify implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", description = "The file 'audit export' wrote")
        Path file;

        @Option(names = "--public-key", description = "The log's public key (base64, from /api/v1/audit/public-key"
                + " fetched separately); default: the key in the export, which proves less")
        String publicKey;

        @Option(names = "--public-key-file", paramLabel = "FILE", description = "As --public-key, from a file: the"
                + " key, or the JSON of /api/v1/audit/public-key saved from a source you trust")
        Path publicKeyFile;

        @Option(names = "--trusted-head", description = "A head saved earlier (audit head -o json)")
        Path trustedHead;

        @Option(names = "--witness-key", description = "Require a cosignature of the exported head by the witness with"
                + " this public key (base64; repeatable)")
        List<String> witnessKeys = new ArrayList<>();

        @Option(names = {"-o", "--output"}, description = "Output format: ${COMPLETION-CANDIDATES} (default: table)",
                defaultValue = "table")
        Output.Format output;

        /** The verdict: OK on stdout, FAILED on stderr (exit 1); with -o json one object on stdout either way. */
        private int verdict(boolean ok, String message, java.util.Optional<Long> badIndex) {
            if (output == Output.Format.json) {
                ObjectNode result = JSON.createObjectNode().put("ok", ok).put("message", message);
                badIndex.ifPresent(index -> result.put("first_bad_index", index));
                Output.json(spec.commandLine().getOut(), result);
                return ok ? 0 : 1;
            }
            var stream = ok ? spec.commandLine().getOut() : spec.commandLine().getErr();
            stream.println((ok ? "OK: " : "FAILED") + (ok ? "" : badIndex.map(index -> " at leaf index " + index)
                    .orElse("") + ": ") + message);
            stream.flush();
            return ok ? 0 : 1;
        }

        /** A key file's key: its text, or the public_key of its JSON. */
        private static String keyText(Path path) throws IOException {
            if (!java.nio.file.Files.isRegularFile(path)) {
                throw new CliException("--public-key-file: " + path + " does not exist");
            }
            String text = java.nio.file.Files.readString(path).strip();
            if (text.startsWith("{")) {
                JsonNode json = JSON.readTree(text);
                if (!json.hasNonNull("public_key")) {
                    throw new CliException(path + " holds JSON without public_key: save GET /api/v1/audit/public-key");
                }
                return json.get("public_key").asText();
            }
            return text;
        }

        @Override
        public Integer call() throws IOException {
            JsonNode bundle = JSON.readTree(file.toFile());
            PublicKey key;
            try {
                key = HeadSigner.publicKey(publicKey != null ? publicKey : publicKeyFile != null ? keyText(publicKeyFile)
                        : bundle.path("public_key").asText());
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                throw new CliException("the public key is not a base64 Ed25519 key: " + e.getMessage());
            }
            TreeHead head = head(bundle.path("tree_head"));
            AuditVerifier.Result result = verifyExport(bundle, key);
            if (!result.valid()) {
                return verdict(false, result.message(), result.firstBadIndex().map(Number::longValue));
            }
            if (trustedHead != null) {
                TreeHead trusted = head(JSON.readTree(trustedHead.toFile()));
                if (!HeadSigner.verify(key, trusted)) {
                    throw new CliException("the trusted head's signature does not verify with the public key");
                }
                List<byte[]> proof = new ArrayList<>();
                bundle.path("consistency").path("proof").forEach(node -> proof.add(Base64.getDecoder()
                        .decode(node.asText())));
                if (trusted.treeSize() > head.treeSize() || (trusted.treeSize() < head.treeSize()
                        && !AuditVerifier.extendsTrusted(trusted, head, proof))
                        || (trusted.treeSize() == head.treeSize() && !java.util.Arrays.equals(trusted.rootHash(),
                        head.rootHash()))) {
                    return verdict(false, "the log of " + head.treeSize() + " leaves does not extend the trusted"
                            + " head of " + trusted.treeSize() + " leaves (history was rewritten, or export with"
                            + " --trusted-head to include the consistency proof)", java.util.Optional.empty());
                }
            }
            for (String witnessKey : witnessKeys) {
                PublicKey witness;
                try {
                    witness = HeadSigner.publicKey(witnessKey);
                } catch (GeneralSecurityException | IllegalArgumentException e) {
                    throw new CliException("--witness-key is not a base64 Ed25519 key: " + e.getMessage());
                }
                boolean cosigned = false;
                for (JsonNode cosignature : bundle.path("tree_head").path("cosignatures")) {
                    cosigned |= HeadSigner.verify(witness, new TreeHead(head.treeSize(), head.rootHash(),
                            head.timestamp(), Base64.getDecoder().decode(cosignature.path("signature").asText())));
                }
                if (!cosigned) {
                    return verdict(false, "no cosignature of the head of size " + head.treeSize()
                            + " verifies with the witness key " + witnessKey, java.util.Optional.empty());
                }
            }
            verdict(true, result.message()
                    + (trustedHead != null ? ", extending the trusted head" : "")
                    + (witnessKeys.isEmpty() ? "" : ", cosigned by " + witnessKeys.size() + " witness(es)")
                    + (publicKey == null && publicKeyFile == null ? " (key taken from the export; pass --public-key to pin"
                    + " it)" : ""),
                    java.util.Optional.empty());
            return 0;
        }

        /** An export's entries against its head, signed with {@code key}: what 'audit verify' and 'eval verify' check. */
        static AuditVerifier.Result verifyExport(JsonNode bundle, PublicKey key) {
            TreeHead head = head(bundle.path("tree_head"));
            List<AuditVerifier.Entry> entries = new ArrayList<>();
            for (JsonNode entry : bundle.path("entries")) {
                Map<?, ?> event = JSON.convertValue(entry.path("event"), Map.class);
                List<byte[]> path = new ArrayList<>();
                entry.path("audit_path").forEach(node -> path.add(Base64.getDecoder().decode(node.asText())));
                entries.add(new AuditVerifier.Entry(entry.path("leaf_index").asLong(), CanonicalJson.bytes(event), path));
            }
            return AuditVerifier.verify(head, key, bundle.path("from").asLong(), bundle.path("to").asLong(), entries);
        }

        static TreeHead head(JsonNode node) {
            return new TreeHead(node.path("tree_size").asLong(), Base64.getDecoder().decode(node.path("root_hash")
                    .asText()), Instant.parse(node.path("timestamp").asText()), Base64.getDecoder().decode(node
                    .path("signature").asText()));
        }
    }

    @Command(name = "witnesses", mixinStandardHelpOptions = true,
            description = "Outside witnesses of the audit log, each with the largest head it cosigned.")
    static final class Witnesses extends ClientCommand {
        @Override
        public Integer call() {
            Output.printList(out(), output, client().get("/api/v1/audit/witnesses"), List.of(field("witness", "name"),
                    new Output.Column("cosigned size", node -> node.path("latest").path("tree_size").asText("-")),
                    new Output.Column("when", node -> node.path("latest").path("cosigned_at").asText("-")),
                    field("public key", "public_key")));
            return 0;
        }
    }

    @Command(name = "witness-add", mixinStandardHelpOptions = true,
            description = "Register an outside witness by its public key (operators).")
    static final class WitnessAdd extends ClientCommand {
        @Parameters(index = "0", description = "The witness's name, e.g. witness.example.org")
        String name;

        @Option(names = "--public-key", required = true,
                description = "Its Ed25519 public key, as 'incubator audit witness --print-key' shows it")
        String publicKey;

        @Override
        public Integer call() {
            print(client().post("/api/v1/audit/witnesses", Map.of("name", name, "public_key", publicKey)),
                    List.of(field("witness", "name"), field("public key", "public_key"), field("added by", "added_by")));
            return 0;
        }
    }

    @Command(name = "witness", mixinStandardHelpOptions = true,
            description = {"Act as an outside witness: fetch the latest signed head, check the log's signature and "
                    + "that the log only grew since the last head this witness cosigned, then cosign it.",
                    "Run it periodically (e.g. from cron) on a machine the operator does not control. Exit code 1 "
                            + "means the log's history was rewritten or its head is not signed by its key."})
    static final class Witness extends ClientCommand {
        @Parameters(index = "0", arity = "0..1", description = "The name the operator registered this witness under")
        String name;

        @Option(names = "--key", required = true,
                description = "This witness's Ed25519 key file (created on first use, mode 0600)")
        Path keyFile;

        @Option(names = "--state", description = "Where the last cosigned head and the log's pinned key are kept "
                + "(default: beside the key, <key>.state.json)")
        Path stateFile;

        @Option(names = "--print-key", description = "Print this witness's public key (to register it) and stop")
        boolean printKey;

        @Override
        public Integer call() throws IOException {
            HeadSigner signer = HeadSigner.loadOrCreate(keyFile);
            if (printKey) {
                out().println(signer.publicKeyBase64());
                out().flush();
                return 0;
            }
            if (name == null) {
                throw new CliException("name the witness as the operator registered it, e.g. 'incubator audit "
                        + "witness witness.example.org --key " + keyFile + "'");
            }
            Path state = stateFile != null ? stateFile : keyFile.resolveSibling(keyFile.getFileName() + ".state.json");
            ObjectNode saved = Files.exists(state) ? (ObjectNode) JSON.readTree(state.toFile()) : JSON.createObjectNode();
            ApiClient client = client();
            String logKeyText = saved.path("log_public_key").asText(null);
            if (logKeyText == null) {
                // Trust on first use: the log's key is pinned in the state from now on.
                logKeyText = client.get("/api/v1/audit/public-key").path("public_key").asText();
            }
            PublicKey logKey;
            try {
                logKey = HeadSigner.publicKey(logKeyText);
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                throw new CliException("the log's public key is not a base64 Ed25519 key: " + e.getMessage());
            }
            TreeHead head = Verify.head(client.get("/api/v1/audit/tree-head"));
            if (!HeadSigner.verify(logKey, head)) {
                return fail("the log's latest head (size " + head.treeSize() + ") is not signed by its pinned key");
            }
            if (saved.has("tree_size")) {
                TreeHead last = Verify.head(saved);
                boolean same = last.treeSize() == head.treeSize();
                if (head.treeSize() < last.treeSize() || same && !java.util.Arrays.equals(last.rootHash(),
                        head.rootHash())) {
                    return fail("the log's head of size " + head.treeSize() + " contradicts the head of size "
                            + last.treeSize() + " this witness cosigned: its history was rewritten");
                }
                if (!same) {
                    List<byte[]> proof = new ArrayList<>();
                    client.get("/api/v1/audit/proof/consistency", Map.of("first", Long.toString(last.treeSize()),
                            "second", Long.toString(head.treeSize()))).path("proof").forEach(node -> proof.add(Base64
                            .getDecoder().decode(node.asText())));
                    if (!AuditVerifier.extendsTrusted(last, head, proof)) {
                        return fail("the log of " + head.treeSize() + " leaves does not extend the head of "
                                + last.treeSize() + " leaves this witness cosigned: its history was rewritten");
                    }
                }
            }
            byte[] cosignature = signer.sign(head.treeSize(), head.rootHash(), head.timestamp()).signature();
            client.postPlain("/api/v1/audit/cosignatures", Map.of("witness", name, "tree_size", head.treeSize(),
                    "signature", Base64.getEncoder().encodeToString(cosignature)));
            ObjectNode next = JSON.createObjectNode();
            next.put("log_public_key", logKeyText);
            next.put("tree_size", head.treeSize());
            next.put("root_hash", Base64.getEncoder().encodeToString(head.rootHash()));
            next.put("timestamp", head.timestamp().toString());
            next.put("signature", Base64.getEncoder().encodeToString(head.signature()));
            SecretFiles.write(state, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(next) + "\n");
            out().println("cosigned the head of size " + head.treeSize() + " (root " + next.path("root_hash").asText()
                    + ") as " + name);
            out().flush();
            return 0;
        }

        private int fail(String message) {
            spec.commandLine().getErr().println("FAILED: " + message);
            spec.commandLine().getErr().flush();
            return 1;
        }
    }
}
