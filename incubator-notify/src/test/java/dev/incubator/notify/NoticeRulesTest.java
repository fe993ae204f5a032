package dev.incubator.notify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.incubator.common.audit.AuditEvent;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Who is told what, on a directory of one hospital (a steward and an admin), one lab and an operator. */
class NoticeRulesTest {
    /** A fixed directory: names are ids with a u- prefix. */
    private static final Directory DIRECTORY = new Directory() {
        @Override
        public List<String> accessDeciders(String repositoryId) {
            return repositoryId.equals("repo-notes") ? List.of("u-steward", "u-head") : List.of("u-owner");
        }

        @Override
        public List<String> organisationAdmins(String organisationId) {
            return organisationId.equals("org-lab") ? List.of("u-boss") : List.of("u-head");
        }

        @Override
        public List<String> operators() {
            return List.of("u-ops");
        }

        @Override
        public Optional<String> organisationName(String organisationId) {
            return Optional.of(organisationId.substring("org-".length()));
        }

        @Override
        public Optional<String> userIdByName(String userName) {
            return userName.isEmpty() || userName.equals("ghost") ? Optional.empty() : Optional.of("u-" + userName);
        }

        @Override
        public Optional<JobFacts> job(String jobId) {
            return Optional.of(new JobFacts("u-ada", "train-7b", jobId.equals("job-slow") ? "timeout" : "failed",
                    "EXIT_CODE", "exited with code 3."));
        }
    };

    private final NoticeRules rules = new NoticeRules(DIRECTORY);

    private static AuditEvent event(String actor, String action, String targetId, String org,
                                    Map<String, String> details) {
        return new AuditEvent(7, Instant.parse("2026-12-01T10:00:00Z"), actor, action, "x", targetId,
                Optional.ofNullable(org), "req", AuditEvent.Outcome.SUCCESS, "127.0.0.1", details);
    }

    @Test
    void anAccessRequestGoesToWhoDecidesAndNeverToItsAuthor() {
        var draft = rules.apply(event("user:head", "access.request", "repo-notes", "org-hospital", Map.of(
                "repository", "datasets/hospital/notes", "requester", "head", "purpose", "general-research",
                "agreement", "dua_1"))).orElseThrow();
        assertThat(draft.kind()).isEqualTo(NoticeKind.ACCESS_REQUEST);
        assertThat(draft.recipients()).containsExactly("u-steward");
        assertThat(draft.organisationId()).hasValue("org-hospital");
        assertThat(draft.params()).containsEntry("agreement", "dua_1").containsEntry("requester", "head");
    }

    @Test
    void aDecisionGoesToTheRequesterOutsideTheDataOrganisation() {
        var draft = rules.apply(event("user:steward", "access.deny", "repo-notes", "org-hospital", Map.of(
                "repository", "datasets/hospital/notes", "requester", "ada", "reason", "no ethics approval",
                "state", "denied"))).orElseThrow();
        assertThat(draft.recipients()).containsExactly("u-ada");
        assertThat(draft.organisationId()).as("readable by the requester, who is not a member").isEmpty();
        assertThat(draft.params()).containsEntry("decision", "denied").containsEntry("by", "steward");
        Notice notice = new Notice("ntc_1", draft.kind(), draft.organisationId(), draft.subjectType(),
                draft.subjectId(), draft.params(), Instant.EPOCH, 7);
        assertThat(NoticeText.render(notice, Locale.ENGLISH).body()).contains("reason: no ethics approval");
        assertThat(NoticeText.render(notice, Locale.SIMPLIFIED_CHINESE).title()).contains("被拒绝");
        assertThat(rules.apply(event("user:steward", "access.approve", "repo-notes", "org-hospital", Map.of(
                "requester", "ghost")))).as("a requester who no longer exists").isEmpty();
    }

    @Test
    void thresholdsGoToAdminsAndExhaustionAlsoToOperators() {
        var half = rules.apply(event("system", "grant.threshold_crossed", "grt_1", "org-lab", Map.of("percent", "50",
                "used_percent", "51.2"))).orElseThrow();
        assertThat(half.recipients()).containsExactly("u-boss");
        assertThat(half.params()).containsEntry("organisation", "lab").containsEntry("grant", "grt_1");
        var all = rules.apply(event("system", "grant.threshold_crossed", "grt_1", "org-lab", Map.of("percent", "100",
                "used_percent", "100.0"))).orElseThrow();
        assertThat(all.recipients()).containsExactlyInAnyOrder("u-boss", "u-ops");
    }

    @Test
    void failedAndTimedOutJobsGoToTheirSubmitter() {
        var failed = rules.apply(event("system", "job.failed", "job-1", "org-lab", Map.of())).orElseThrow();
        assertThat(failed.recipients()).containsExactly("u-ada");
        Notice notice = new Notice("ntc_2", failed.kind(), failed.organisationId(), "job", "job-1", failed.params(),
                Instant.EPOCH, 8);
        assertThat(NoticeText.render(notice, Locale.ENGLISH).body())
                .isEqualTo("exited with code 3. See its logs with 'incubator job logs job-1'.");
        var slow = rules.apply(event("system", "job.timeout", "job-slow", "org-lab", Map.of())).orElseThrow();
        Notice timedOut = new Notice("ntc_3", slow.kind(), slow.organisationId(), "job", "job-slow", slow.params(),
                Instant.EPOCH, 9);
        assertThat(NoticeText.render(timedOut, Locale.ENGLISH).title()).isEqualTo("Job train-7b (job-slow) ran out"
                + " of time");
        assertThat(NoticeText.render(timedOut, Locale.SIMPLIFIED_CHINESE).title()).isEqualTo("作业 train-7b（job-slow）超时");
    }

    @Test
    void otherEventsRefusalsAndSuccessfulJobsTellNobody() {
        assertThat(rules.apply(event("system", "job.succeeded", "job-1", "org-lab", Map.of()))).isEmpty();
        assertThat(rules.apply(event("user:ada", "hub.commit", "repo-1", "org-lab", Map.of()))).isEmpty();
        Map<String, String> details = new HashMap<>(Map.of("requester", "ada"));
        AuditEvent denied = new AuditEvent(9, Instant.EPOCH, "user:ada", "access.request", "repository", "repo-notes",
                Optional.of("org-hospital"), "req", AuditEvent.Outcome.DENIED, "127.0.0.1", details);
        assertThat(rules.apply(denied)).as("a refused attempt").isEmpty();
    }

    @Test
    void languagesComeFromAcceptLanguage() {
        assertThat(NoticeText.language("zh-CN,zh;q=0.9,en;q=0.8")).isEqualTo(Locale.SIMPLIFIED_CHINESE);
        assertThat(NoticeText.language("en-GB,zh;q=0.5")).isEqualTo(Locale.ENGLISH);
        assertThat(NoticeText.language("fr-FR")).isEqualTo(Locale.ENGLISH);
        assertThat(NoticeText.language(null)).isEqualTo(Locale.ENGLISH);
    }
}
