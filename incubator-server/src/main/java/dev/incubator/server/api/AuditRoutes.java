package dev.incubator.server.api;

import dev.incubator.common.IncubatorException;
import dev.incubator.governance.audit.AuditEntries;
import dev.incubator.governance.audit.AuditTreeStore;
import dev.incubator.governance.audit.Witnesses;
import dev.incubator.governance.audit.TreeHead;
import dev.incubator.governance.audit.VerifiableAuditLog;
import dev.incubator.common.access.Action;
import dev.incubator.tenancy.TenancyService;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The verifiable audit log: signed tree heads (and the public key to check them), inclusion and consistency
 * proofs, and exports that {@code incubator audit verify} checks offline.
 */
public final class AuditRoutes {
    private static final String AUDIT = TenancyRoutes.PREFIX + "/audit";

    private final VerifiableAuditLog log;
    private final TenancyService tenancy;
    private final Witnesses witnesses;

    public AuditRoutes(VerifiableAuditLog log, TenancyService tenancy, Witnesses witnesses) {
        this.log = log;
        this.tenancy = tenancy;
        this.witnesses = witnesses;
    }

    /** A signed tree head, with the cosignatures of outside witnesses where they are asked for. */
    public record TreeHeadView(long treeSize, String rootHash, Instant timestamp, String signature,
                               List<CosignatureView> cosignatures) {
        static TreeHeadView of(TreeHead head) {
            return of(head, List.of());
        }

        static TreeHeadView of(TreeHead head, List<AuditTreeStore.Cosignature> cosignatures) {
            Base64.Encoder base64 = Base64.getEncoder();
            return new TreeHeadView(head.treeSize(), base64.encodeToString(head.rootHash()), head.timestamp(),
                    base64.encodeToString(head.signature()), cosignatures.stream().map(CosignatureView::of).toList());
        }
    }

    public record CosignatureView(String witness, long treeSize, String signature, Instant cosignedAt) {
        static CosignatureView of(AuditTreeStore.Cosignature cosignature) {
            return new CosignatureView(cosignature.witness(), cosignature.treeSize(), Base64.getEncoder()
                    .encodeToString(cosignature.signature()), cosignature.cosignedAt());
        }
    }

    public record WitnessView(String name, String publicKey, String addedBy, Instant addedAt,
                              Optional<CosignatureView> latest) {
    }

    public record WitnessList(List<WitnessView> items) {
    }

    private static final BodySpec WITNESS = BodySpec.named("AuditWitness")
            .required("name", BodySpec.Type.STRING, "the witness, e.g. 'witness.example.org'")
            .required("public_key", BodySpec.Type.STRING, "its Ed25519 public key (base64 X.509 SubjectPublicKeyInfo)")
            .build();
    private static final BodySpec COSIGN = BodySpec.named("AuditCosignature")
            .required("witness", BodySpec.Type.STRING, "the registered witness's name")
            .required("tree_size", BodySpec.Type.INTEGER, "the size of the signed head it cosigns")
            .required("signature", BodySpec.Type.STRING, "Ed25519 signature (base64) over the head's signed bytes, "
                    + "made after checking consistency with the last head the witness cosigned")
            .build();

    public record PublicKeyView(String algorithm, String publicKey) {
    }

    public record HeadsView(List<TreeHeadView> items) {
    }

    public record InclusionView(long sequence, long leafIndex, long treeSize, Map<String, Object> event,
                                List<String> auditPath) {
    }

    public record ConsistencyView(long first, long second, List<String> proof) {
    }

    public record ExportView(TreeHeadView treeHead, String publicKey, long from, long to, List<InclusionView> entries) {
    }

    public List<ApiRoute> routes() {
        return List.of(
                ApiRoute.get(AUDIT + "/public-key", "auditPublicKey").tag("audit")
                        .summary("The Ed25519 key that signs tree heads (X.509 SubjectPublicKeyInfo, base64)")
                        .publicAccess().returns(PublicKeyView.class)
                        .handle(call -> new PublicKeyView("Ed25519", log.signer().publicKeyBase64())),
                ApiRoute.get(AUDIT + "/tree-head", "auditTreeHead").tag("audit")
                        .summary("The latest signed tree head of the audit log").returns(TreeHeadView.class)
                        .handle(call -> {
                            tenancy.authorize(call.caller(), Action.AUDIT_HEAD_READ);
                            TreeHead head = log.head();
                            return TreeHeadView.of(head, witnesses.cosignatures(head.treeSize()));
                        }),
                ApiRoute.get(AUDIT + "/heads", "auditHeads").tag("audit")
                        .summary("Signed tree heads in increasing size: checkpoints for an outside witness")
                        .query("after", "only heads larger than this tree size (default 0)")
                        .query("limit", "at most this many (1-1000, default 100)").returns(HeadsView.class)
                        .handle(call -> {
                            tenancy.authorize(call.caller(), Action.AUDIT_READ);
                            return new HeadsView(log.heads(number(call, "after", 0), (int) Math.min(1000,
                                    Math.max(1, number(call, "limit", 100)))).stream().map(TreeHeadView::of).toList());
                        }),
                ApiRoute.get(AUDIT + "/proof/inclusion", "auditInclusionProof").tag("audit")
                        .summary("An event with its audit path to a signed tree head")
                        .query("sequence", "the event's sequence number")
                        .query("tree_size", "size of a signed head (default: the latest)").returns(InclusionView.class)
                        .handle(call -> {
                            tenancy.authorize(call.caller(), Action.AUDIT_READ);
                            long size = call.query("tree_size").isPresent() ? number(call, "tree_size", 0)
                                    : log.head().treeSize();
                            return inclusion(log.inclusion(required(call, "sequence"), size));
                        }),
                ApiRoute.get(AUDIT + "/proof/consistency", "auditConsistencyProof").tag("audit")
                        .summary("Proof that the tree of 'second' leaves extends the tree of 'first' leaves")
                        .query("first", "the older tree size").query("second", "the newer tree size")
                        .returns(ConsistencyView.class)
                        .handle(call -> {
                            tenancy.authorize(call.caller(), Action.AUDIT_HEAD_READ);
                            long first = required(call, "first");
                            long second = required(call, "second");
                            return new ConsistencyView(first, second, encode(log.consistency(first, second)));
                        }),
                ApiRoute.get(AUDIT + "/export", "auditExport").tag("audit")
                        .summary("Leaves [from, to) with their proofs and the signed head, for offline verification")
                        .query("from", "first leaf index (default 0)").query("to", "one past the last (default: all)")
                        .query("tree_size", "size of a signed head (default: the latest)").returns(ExportView.class)
                        .handle(call -> {
                            tenancy.authorize(call.caller(), Action.AUDIT_READ);
                            long size = call.query("tree_size").isPresent() ? number(call, "tree_size", 0)
                                    : log.head().treeSize();
                            long from = number(call, "from", 0);
                            long to = call.query("to").isPresent() ? number(call, "to", size) : size;
                            VerifiableAuditLog.Export export = log.export(from, to, size);
                            return exportView(export, witnesses.cosignatures(export.head().treeSize()), from, to);
                        }),
                ApiRoute.get(AUDIT + "/witnesses", "auditWitnesses").tag("audit")
                        .summary("Outside witnesses of the audit log, each with the largest head it cosigned")
                        .publicAccess().returns(WitnessList.class)
                        .handle(call -> {
                            java.util.Map<String, AuditTreeStore.Cosignature> latest = new java.util.HashMap<>();
                            witnesses.latest().forEach(cosignature -> latest.put(cosignature.witness(), cosignature));
                            return new WitnessList(witnesses.list().stream().map(witness -> new WitnessView(
                                    witness.name(), witness.publicKey(), witness.addedBy(), witness.addedAt(),
                                    Optional.ofNullable(latest.get(witness.name())).map(CosignatureView::of)))
                                    .toList());
                        }),
                ApiRoute.post(AUDIT + "/witnesses", "addAuditWitness").tag("audit")
                        .summary("Register an outside witness by its Ed25519 public key (operators)").body(WITNESS)
                        .returns(WitnessView.class)
                        .handle(call -> {
                            var body = call.body(WITNESS);
                            tenancy.authorize(call.caller(), Action.AUDIT_WITNESS_MANAGE);
                            AuditTreeStore.Witness witness = witnesses.register(body.string("name"),
                                    body.string("public_key"), call.principal().actor(), call.requestMeta());
                            return new WitnessView(witness.name(), witness.publicKey(), witness.addedBy(),
                                    witness.addedAt(), Optional.empty());
                        }),
                ApiRoute.post(AUDIT + "/cosignatures", "addAuditCosignature").tag("audit")
                        .summary("A witness's cosignature of a signed head; the signature is the credential")
                        .publicAccess().status(200).body(COSIGN).returns(CosignatureView.class)
                        .handle(call -> {
                            var body = call.body(COSIGN);
                            return CosignatureView.of(witnesses.cosign(body.string("witness"),
                                    body.integer("tree_size"), body.string("signature")));
                        }));
    }

    /** An export as the API and 'incubator audit verify' read it. */
    public static ExportView exportView(VerifiableAuditLog.Export export, List<AuditTreeStore.Cosignature> cosignatures,
                                        long from, long to) {
        return new ExportView(TreeHeadView.of(export.head(), cosignatures), export.publicKey(), from, to,
                export.entries().stream().map(AuditRoutes::inclusion).toList());
    }

    private static InclusionView inclusion(VerifiableAuditLog.Inclusion inclusion) {
        return new InclusionView(inclusion.event().sequence(), inclusion.leafIndex(), inclusion.treeSize(),
                AuditEntries.canonical(inclusion.event()), encode(inclusion.path()));
    }

    private static List<String> encode(List<byte[]> hashes) {
        return hashes.stream().map(Base64.getEncoder()::encodeToString).toList();
    }

    private static long required(Call call, String name) {
        if (call.query(name).isEmpty()) {
            throw IncubatorException.validation(name, "is required");
        }
        return number(call, name, 0);
    }

    private static long number(Call call, String name, long fallback) {
        try {
            long value = call.query(name).map(Long::parseLong).orElse(fallback);
            if (value < 0) {
                throw IncubatorException.validation(name, "must not be negative");
            }
            return value;
        } catch (NumberFormatException e) {
            throw IncubatorException.validation(name, "must be a whole number");
        }
    }
}
