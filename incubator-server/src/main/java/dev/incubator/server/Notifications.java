package dev.incubator.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.incubator.common.PageRequest;
import dev.incubator.common.access.Roles.OrgRole;
import dev.incubator.common.access.Roles.PlatformRole;
import dev.incubator.compute.ComputeService;
import dev.incubator.governance.audit.AuditTreeStore;
import dev.incubator.hub.HubService;
import dev.incubator.hub.repo.Repo;
import dev.incubator.notify.Directory;
import dev.incubator.notify.EventFeed;
import dev.incubator.notify.Notice;
import dev.incubator.notify.NoticeText;
import dev.incubator.notify.NotificationService;
import dev.incubator.notify.NotificationStore;
import dev.incubator.notify.webhook.Webhook;
import dev.incubator.notify.webhook.WebhookTransport;
import dev.incubator.store.JdbiTenancyStore;
import dev.incubator.tenancy.Ids.OrgId;
import dev.incubator.tenancy.Ids.UserId;
import dev.incubator.tenancy.Membership;
import dev.incubator.tenancy.User;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Wires notifications to the rest of the platform: who holds which role (tenancy, the hub, compute), the audit
 * tree as the event feed, webhooks over HTTP with JSON payloads, and their metrics
 * ({@code incubator_notices_total}, {@code incubator_webhook_deliveries_total{outcome}},
 * {@code incubator_webhook_pending}).
 */
final class Notifications {
    private Notifications() {
    }

    static NotificationService create(NotificationStore store, AuditTreeStore tree, JdbiTenancyStore tenancy,
                                      HubService hub, ComputeService compute, Clock clock, Optional<Webhook> webhook,
                                      ObjectMapper json) {
        Directory directory = new PlatformDirectory(tenancy, hub, compute);
        EventFeed feed = (position, limit) -> {
            long size = tree.state().size();
            if (position >= size) {
                return List.of();
            }
            return tree.leaves(position, Math.min(size, position + limit)).stream()
                    .map(leaf -> new EventFeed.Entry(leaf.index(), leaf.event())).toList();
        };
        return new NotificationService(store, feed, directory, clock, webhook, new HttpTransport(),
                delivery -> payload(delivery, tenancy, json));
    }

    /** Background work: route new events, then deliver what is due; counts what happened. */
    static Runnable worker(NotificationService notifications, MeterRegistry metrics) {
        Counter notices = Counter.builder("incubator.notices").description("Notices made for users' inboxes")
                .register(metrics);
        Counter delivered = deliveries(metrics, "delivered");
        Counter retrying = deliveries(metrics, "retry");
        Counter gaveUp = deliveries(metrics, "failed");
        if (notifications.webhook().isPresent()) {
            Gauge.builder("incubator.webhook.pending", notifications, service -> service.pendingDeliveries())
                    .description("Webhook deliveries queued and not yet made or given up").register(metrics);
        }
        return () -> {
            notices.increment(notifications.route());
            NotificationService.DeliveryReport report = notifications.deliver();
            delivered.increment(report.delivered());
            retrying.increment(report.retrying());
            gaveUp.increment(report.gaveUp());
        };
    }

    private static Counter deliveries(MeterRegistry metrics, String outcome) {
        return Counter.builder("incubator.webhook.deliveries").tag("outcome", outcome)
                .description("Webhook delivery attempts by outcome (delivered, retry, failed: given up)")
                .register(metrics);
    }

    /**
     * The webhook body, in the Standard Webhooks shape: {@code type}, {@code timestamp} and {@code data} with the
     * notice (English words), its organisation and its recipients by name.
     */
    private static byte[] payload(NotificationStore.Delivery delivery, JdbiTenancyStore tenancy, ObjectMapper json) {
        Notice notice = delivery.notice();
        NoticeText.Text text = NoticeText.render(notice, Locale.ENGLISH);
        ObjectNode root = json.createObjectNode();
        root.put("type", notice.kind().wire());
        root.put("timestamp", notice.createdAt().toString());
        ObjectNode data = root.putObject("data");
        data.put("id", notice.id());
        data.put("kind", notice.kind().wire());
        data.put("title", text.title());
        data.put("body", text.body());
        tenancy.read(repositories -> {
            notice.organisationId().flatMap(id -> repositories.organisations().findById(new OrgId(id)))
                    .ifPresent(org -> data.put("organisation", org.name()));
            ArrayNode recipients = data.putArray("recipients");
            for (String id : delivery.recipients()) {
                repositories.users().findById(new UserId(id)).ifPresent(user -> recipients.add(user.name()));
            }
            return null;
        });
        ObjectNode subject = data.putObject("subject");
        subject.put("type", notice.subjectType());
        subject.put("id", notice.subjectId());
        ObjectNode params = data.putObject("params");
        new java.util.TreeMap<>(notice.params()).forEach(params::put);
        data.put("created_at", notice.createdAt().toString());
        try {
            return json.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException("a notice could not be written as JSON", e);
        }
    }

    /** Who holds which role, from the metadata store. */
    private record PlatformDirectory(JdbiTenancyStore tenancy, HubService hub, ComputeService compute)
            implements Directory {
        @Override
        public List<String> accessDeciders(String repositoryId) {
            Optional<Repo> repo = hub.repoById(repositoryId);
            if (repo.isEmpty()) {
                return List.of();
            }
            if (repo.get().owner().kind() == Repo.OwnerKind.USER) {
                return List.of(repo.get().owner().id());
            }
            return withRole(repo.get().owner().id(), OrgRole.STEWARD);
        }

        @Override
        public List<String> organisationAdmins(String organisationId) {
            return withRole(organisationId, OrgRole.ADMIN);
        }

        @Override
        public List<String> operators() {
            return tenancy.read(repositories -> {
                List<String> ids = new ArrayList<>();
                PageRequest page = PageRequest.all();
                while (true) {
                    var users = repositories.users().list(page);
                    users.items().stream().filter(user -> user.hasPlatformRole(PlatformRole.OPERATOR)
                            && user.disabledAt().isEmpty()).map(user -> user.id().value()).forEach(ids::add);
                    if (users.nextCursor().isEmpty()) {
                        return ids;
                    }
                    page = PageRequest.parse(null, users.nextCursor().get());
                }
            });
        }

        @Override
        public Optional<String> organisationName(String organisationId) {
            return tenancy.read(repositories -> repositories.organisations().findById(new OrgId(organisationId))
                    .map(org -> org.name()));
        }

        @Override
        public Optional<String> userIdByName(String userName) {
            if (userName == null || userName.isEmpty()) {
                return Optional.empty();
            }
            return tenancy.read(repositories -> repositories.users().findByName(userName).map(User::id)
                    .map(UserId::value));
        }

        @Override
        public Optional<JobFacts> job(String jobId) {
            return compute.find(jobId).flatMap(job -> userIdByName(job.submittedBy()).map(submitter -> new JobFacts(
                    submitter, job.spec().name(), job.state().name().toLowerCase(Locale.ROOT),
                    job.reason().orElse(""), job.message().orElse(""))));
        }

        private List<String> withRole(String organisationId, OrgRole atLeast) {
            return tenancy.read(repositories -> {
                List<String> ids = new ArrayList<>();
                PageRequest page = PageRequest.all();
                while (true) {
                    var members = repositories.memberships().listByOrg(new OrgId(organisationId), page);
                    members.items().stream().filter(member -> member.role().atLeast(atLeast))
                            .map(Membership::userId).map(UserId::value).forEach(ids::add);
                    if (members.nextCursor().isEmpty()) {
                        return ids;
                    }
                    page = PageRequest.parse(null, members.nextCursor().get());
                }
            });
        }
    }

    /** Webhook requests over HTTP/1.1, 10 s to connect and 10 s for the answer. */
    private static final class HttpTransport implements WebhookTransport {
        private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .version(HttpClient.Version.HTTP_1_1).followRedirects(HttpClient.Redirect.NEVER).build();

        @Override
        public int post(URI url, Map<String, String> headers, byte[] body) throws IOException {
            HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json").header("User-Agent", "Incubator-Webhooks/"
                            + IncubatorServer.VERSION).POST(HttpRequest.BodyPublishers.ofByteArray(body));
            headers.forEach(request::header);
            try {
                return client.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }
}
