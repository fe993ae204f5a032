package dev.incubator.server.review;

import static dev.incubator.server.api.BodySpec.Type.STRING;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.incubator.common.IncubatorException;
import dev.incubator.common.access.AccessControl;
import dev.incubator.common.access.Action;
import dev.incubator.common.audit.AuditEvent;
import dev.incubator.governance.review.Application;
import dev.incubator.governance.review.Assessment;
import dev.incubator.governance.review.AssessmentStore;
import dev.incubator.governance.review.Review;
import dev.incubator.governance.review.ReviewStore;
import dev.incubator.hub.HubService;
import dev.incubator.hub.repo.Repo;
import dev.incubator.hub.repo.RepoKind;
import dev.incubator.server.api.ApiRoute;
import dev.incubator.server.api.BodySpec;
import dev.incubator.server.api.Call;
import dev.incubator.server.api.LineageGate;
import dev.incubator.server.api.Subjects;
import dev.incubator.server.api.TenancyRoutes;
import dev.incubator.serving.Deployment;
import dev.incubator.tenancy.Organisation;
import dev.incubator.tenancy.TenancyService;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The filing pack of an application: what an algorithm filing asks for, from what the platform knows (the model and
 * its provenance, the training data and its restrictions, the safety assessments, the labelling in force, the review
 * decisions, the complaint and takedown contact), as one document in JSON and Markdown whose hash is signed into the
 * audit log ({@code app.dossier}).
 */
public final class DossierRoutes {
    private static final ObjectMapper CANONICAL = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
    private static final BodySpec DOSSIER = BodySpec.named("ApplicationDossier")
            .required("contact", STRING, "where people complain or ask for content to be taken down, e.g."
                    + " 'ai-safety@clinic.example, +86 21 5555 0100'")
            .build();

    private final ReviewStore reviews;
    private final AssessmentStore assessments;
    private final TenancyService tenancy;
    private final AccessControl access;
    private final HubService hub;
    private final LineageGate lineage;
    private final Function<String, Optional<Deployment>> deployments;
    private final Function<AuditEvent, AuditEvent> audit;
    private final Clock clock;
    private final dev.incubator.governance.access.AgreementStore agreements;
    private final java.util.function.BiPredicate<String, String> member;

    /**
     * {@code agreements}: the data-use agreements, listed per data source for the applicant's members;
     * {@code member}: whether a user (by id) is a member of an organisation (by id).
     */
    public DossierRoutes(ReviewStore reviews, AssessmentStore assessments, TenancyService tenancy,
                         AccessControl access, HubService hub, LineageGate lineage,
                         Function<String, Optional<Deployment>> deployments, Function<AuditEvent, AuditEvent> audit,
                         Clock clock, dev.incubator.governance.access.AgreementStore agreements,
                         java.util.function.BiPredicate<String, String> member) {
        this.agreements = agreements;
        this.member = member;
        this.reviews = reviews;
        this.assessments = assessments;
        this.tenancy = tenancy;
        this.access = access;
        this.hub = hub;
        this.lineage = lineage;
        this.deployments = deployments;
        this.audit = audit;
        this.clock = clock;
    }

    public record DossierView(String application, String sha256, long auditSequence, Map<String, Object> json,
                              String markdown) {
    }

    public List<ApiRoute> routes() {
        return List.of(ApiRoute.post(TenancyRoutes.PREFIX + "/orgs/{org}/applications/{name}/dossier",
                        "writeApplicationDossier").tag("review")
                .summary("The application's filing pack (JSON and Markdown), its hash signed into the audit log")
                .body(DOSSIER).status(200).returns(DossierView.class)
                .handle(this::dossier));
    }

    private DossierView dossier(Call call) throws IOException {
        Organisation org = tenancy.authorize(call.caller(), call.path("org"), Action.APP_MANAGE);
        String name = call.path("name");
        Application app = reviews.read(r -> r.application(org.id().value(), name)).orElseThrow(() ->
                IncubatorException.notFound("application", org.name() + "/" + name));
        String contact = call.body(DOSSIER).string("contact").strip();
        if (contact.length() < 5) {
            throw IncubatorException.validation("contact", "give an address people can reach (e-mail, telephone)");
        }
        var subject = Subjects.of(call);
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("application", Map.of("name", app.fullName(), "purpose", app.purpose(), "audience",
                app.audience().wire(), "minors", app.minors(), "domain", app.domain().wire(), "risk",
                app.risk().risk().wire(), "risk_reasons", app.risk().reasons()));
        List<Map<String, Object>> served = new ArrayList<>();
        Set<String> data = new LinkedHashSet<>(app.datasets());
        for (String deploymentName : app.deployments()) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("deployment", deploymentName);
            Optional<Deployment> deployment = deployments.apply(deploymentName);
            if (deployment.isEmpty()) {
                one.put("state", "deleted");
                served.add(one);
                continue;
            }
            Deployment d = deployment.get();
            one.put("model", d.model() + "@" + d.revision());
            one.put("engine", d.engine().name().toLowerCase(java.util.Locale.ROOT));
            one.put("access", d.access().name().toLowerCase(java.util.Locale.ROOT));
            one.put("labels", Map.of("implicit", "every answer carries the GB 45438-2025 implicit label (an aigc"
                    + " field and an AIGC header naming the producer)", "explicit", d.explicitLabel()
                    .orElse("(none)")));
            String[] parts = d.model().split("/");
            Optional<Repo> repo = hub.lookup(RepoKind.MODEL, parts[1], parts[2]).filter(found -> access.allows(
                    subject, Action.REPO_SEE, found.resource()));
            repo.ifPresent(found -> {
                found.card().ifPresent(card -> {
                    one.put("license", card.license().orElse("(not stated)"));
                    one.put("base_models", card.baseModel());
                    one.put("training_datasets", card.datasets());
                    card.datasets().forEach(dataset -> data.add("datasets/" + dataset));
                });
                one.put("inherited_restrictions", lineage.inherited(found).stream().map(inherited -> inherited
                        .describe()).toList());
            });
            Optional<Assessment> assessed = assessments.read(r -> r.latestSucceeded(app.id(), deploymentName));
            one.put("safety_assessment", assessed.map(a -> safety(a)).orElse(Map.of("state", "none")));
            served.add(one);
        }
        doc.put("deployments", served);
        List<Map<String, Object>> datasets = new ArrayList<>();
        for (String dataset : data) {
            String[] parts = dataset.split("/");
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("dataset", dataset);
            Optional<Repo> repo = parts.length == 3 ? hub.lookup(RepoKind.DATASET, parts[1], parts[2]).filter(found ->
                    access.allows(subject, Action.REPO_SEE, found.resource())) : Optional.empty();
            if (repo.isEmpty()) {
                one.put("known", false);
            } else {
                one.put("visibility", repo.get().visibility().name().toLowerCase(java.util.Locale.ROOT));
                one.put("license", repo.get().card().flatMap(card -> card.license()).orElse("(not stated)"));
                one.put("inherited_restrictions", lineage.inherited(repo.get()).stream().map(inherited -> inherited
                        .describe()).toList());
                one.put("sensitive", repo.get().card().map(card -> card.sensitive().stream().map(
                        dev.incubator.common.access.Sensitivity::wire).sorted().toList()).orElse(List.of()));
                // The agreements under which the applicant's members use it: one per member, the latest.
                List<Map<String, Object>> terms = new ArrayList<>();
                for (var agreement : agreements.read(r -> r.forRepository(repo.get().id()))) {
                    if (member.test(app.orgId(), agreement.requesterId())) {
                        Map<String, Object> term = new LinkedHashMap<>();
                        term.put("agreement", agreement.id());
                        term.put("member", agreement.requesterName());
                        term.put("state", agreement.state().name().toLowerCase(java.util.Locale.ROOT));
                        term.put("purpose", agreement.purpose().wire());
                        term.put("mode", agreement.mode().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
                        term.put("expires_on", agreement.expiresOn().map(Object::toString).orElse(""));
                        term.put("no_redistribution", agreement.noRedistribution());
                        term.put("attribution", agreement.attribution().orElse(""));
                        terms.add(term);
                    }
                }
                one.put("agreements", terms);
            }
            datasets.add(one);
        }
        doc.put("datasets", datasets);
        List<Map<String, Object>> decisions = new ArrayList<>();
        for (Review review : reviews.read(r -> r.reviews(app.id()))) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("review", review.id());
            one.put("state", review.state().wire());
            one.put("expert_re_review", review.expertReReview());
            one.put("votes", review.votes().size());
            one.put("decision", review.decision().orElse(""));
            one.put("conditions", review.conditions());
            one.put("valid_until", review.validUntil().map(Object::toString).orElse(""));
            one.put("dossier", review.dossier().deployments());
            decisions.add(one);
        }
        doc.put("reviews", decisions);
        doc.put("contact", contact);
        doc.put("generated_at", clock.instant().toString());
        doc.put("generated_by", subject.actor());
        String canonical = CANONICAL.writeValueAsString(doc);
        String sha256 = dev.incubator.hub.chunk.Hashes.sha256(canonical.getBytes(java.nio.charset.StandardCharsets
                .UTF_8));
        AuditEvent appended = audit.apply(new AuditEvent(0, clock.instant(), subject.actor(), "app.dossier",
                "application", app.id(), Optional.of(app.orgId()), call.requestMeta().requestId(),
                AuditEvent.Outcome.SUCCESS, call.requestMeta().sourceAddress(), Map.of("application",
                app.fullName(), "dossier_sha256", sha256)));
        @SuppressWarnings("unchecked")
        Map<String, Object> json = CANONICAL.readValue(canonical, Map.class);
        return new DossierView(app.fullName(), sha256, appended.sequence(), json, markdown(CANONICAL.readTree(
                canonical), sha256, appended.sequence()));
    }

    private static Map<String, Object> safety(Assessment a) {
        Map<String, Object> one = new LinkedHashMap<>();
        one.put("assessment", a.id());
        one.put("model", a.model());
        one.put("passed", a.passed());
        one.put("banks", a.banks());
        one.put("report_sha256", a.reportSha256().orElse(""));
        a.report().ifPresent(text -> {
            try {
                List<String> figures = new ArrayList<>();
                for (JsonNode figure : CANONICAL.readTree(text).path("figures")) {
                    figures.add(figure.path("kind").asText() + ": " + figure.path("count").asInt() + " of "
                            + figure.path("n").asInt() + " (" + figure.path("rule").asText() + ", "
                            + (figure.path("met").asBoolean() ? "met" : "not met") + ")");
                }
                one.put("figures", figures);
            } catch (IOException e) {
                one.put("figures", List.of());
            }
        });
        return one;
    }

    private static String markdown(JsonNode doc, String sha256, long sequence) {
        StringBuilder md = new StringBuilder();
        JsonNode app = doc.path("application");
        md.append("# Filing pack / 备案材料: ").append(app.path("name").asText()).append("\n\n");
        md.append("- Purpose / 用途: ").append(app.path("purpose").asText()).append('\n');
        md.append("- Audience / 服务对象: ").append(app.path("audience").asText()).append(app.path("minors")
                .asBoolean() ? " (minors involved / 涉及未成年人)" : "").append('\n');
        md.append("- Domain / 领域: ").append(app.path("domain").asText()).append("; risk / 风险等级: ")
                .append(app.path("risk").asText()).append('\n');
        app.path("risk_reasons").forEach(reason -> md.append("  - ").append(reason.asText()).append('\n'));
        md.append("\n## Models and labelling / 模型与标识\n\n");
        for (JsonNode d : doc.path("deployments")) {
            md.append("### ").append(d.path("deployment").asText()).append("\n\n");
            md.append("- Model / 模型: `").append(d.path("model").asText("(deleted)")).append("`, licence ")
                    .append(d.path("license").asText("(unknown)")).append(", access ").append(d.path("access")
                            .asText("-")).append('\n');
            md.append("- Base models / 基础模型: ").append(d.path("base_models").toString()).append('\n');
            md.append("- Training data / 训练数据: ").append(d.path("training_datasets").toString()).append('\n');
            md.append("- Labels / 标识: ").append(d.path("labels").path("implicit").asText()).append("; explicit: ")
                    .append(d.path("labels").path("explicit").asText()).append('\n');
            JsonNode safety = d.path("safety_assessment");
            md.append("- Safety assessment / 安全评估: ").append(safety.has("assessment") ? safety.path("assessment")
                    .asText() + (safety.path("passed").asBoolean() ? " passed / 通过" : " did not pass / 未通过")
                    + ", report sha256 `" + safety.path("report_sha256").asText() + "`" : "none / 无").append('\n');
            safety.path("figures").forEach(figure -> md.append("  - ").append(figure.asText()).append('\n'));
            d.path("inherited_restrictions").forEach(r -> md.append("- Inherited restriction / 继承限制: ")
                    .append(r.asText()).append('\n'));
            md.append('\n');
        }
        md.append("## Data sources / 数据来源\n\n| Dataset | Visibility | Licence | Sensitive / 敏感 | Restrictions |"
                + " Agreements / 数据使用协议 |\n|---|---|---|---|---|---|\n");
        for (JsonNode dataset : doc.path("datasets")) {
            List<String> terms = new ArrayList<>();
            dataset.path("agreements").forEach(term -> terms.add(term.path("agreement").asText() + " ("
                    + term.path("member").asText() + ", " + term.path("state").asText() + ", "
                    + term.path("purpose").asText() + ", " + term.path("mode").asText()
                    + (term.path("expires_on").asText().isEmpty() ? "" : ", until " + term.path("expires_on").asText())
                    + (term.path("no_redistribution").asBoolean() ? ", no redistribution" : "") + ")"));
            md.append("| `").append(dataset.path("dataset").asText()).append("` | ").append(dataset.path("visibility")
                    .asText("(not visible to you)")).append(" | ").append(dataset.path("license").asText("-"))
                    .append(" | ").append(String.join(", ", iterable(dataset.path("sensitive"))))
                    .append(" | ").append(String.join("; ", iterable(dataset.path("inherited_restrictions"))))
                    .append(" | ").append(terms.isEmpty() ? "-" : String.join("; ", terms)).append(" |\n");
        }
        md.append("\n## Ethical review / 伦理审查\n\n");
        if (doc.path("reviews").isEmpty()) {
            md.append("No review yet / 尚未审查.\n");
        }
        for (JsonNode review : doc.path("reviews")) {
            md.append("- ").append(review.path("review").asText()).append(": ").append(review.path("state").asText())
                    .append(review.path("decision").asText().isEmpty() ? "" : ", " + review.path("decision").asText())
                    .append(review.path("valid_until").asText().isEmpty() ? "" : ", valid until "
                            + review.path("valid_until").asText()).append('\n');
        }
        md.append("\n## Complaints and takedown / 投诉与下架\n\n").append(doc.path("contact").asText()).append("\n\n");
        md.append("---\nGenerated ").append(doc.path("generated_at").asText()).append(" by ")
                .append(doc.path("generated_by").asText()).append("; SHA-256 of the JSON `").append(sha256)
                .append("`, audit event ").append(sequence).append(". This pack gathers what the platform records;")
                .append(" it is not a filing or a certification.\n");
        return md.toString();
    }

    private static List<String> iterable(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(node -> out.add(node.asText()));
        return out;
    }
}
