package dev.incubator.governance.access;

import static org.assertj.core.api.Assertions.assertThat;

import dev.incubator.governance.access.AgreementPolicy.Channel;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every agreement state against both read channels. */
class AgreementPolicyTest {
    private static final LocalDate TODAY = LocalDate.parse("2026-11-29");
    private final AgreementPolicy policy = new AgreementPolicy();

    @Test
    void eachStateAllowsOrDeniesEachChannelAsSpecified() {
        record Case(String name, Optional<Agreement> agreement, boolean download, boolean job, String reason) {
        }
        var cases = java.util.List.of(
                new Case("none", Optional.empty(), false, false, "request access"),
                new Case("pending", Optional.of(agreement(Agreement.State.PENDING, Agreement.Mode.DOWNLOAD, TODAY)),
                        false, false, "pending"),
                new Case("approved download", Optional.of(agreement(Agreement.State.APPROVED, Agreement.Mode.DOWNLOAD,
                        TODAY)), true, true, "agreement dua_1"),
                new Case("approved compute-only", Optional.of(agreement(Agreement.State.APPROVED,
                        Agreement.Mode.COMPUTE_ONLY, TODAY)), false, true, "compute-only"),
                new Case("expired", Optional.of(agreement(Agreement.State.APPROVED, Agreement.Mode.DOWNLOAD,
                        TODAY.minusDays(1))), false, false, "expired on 2026-11-28"),
                new Case("revoked", Optional.of(agreement(Agreement.State.REVOKED, Agreement.Mode.DOWNLOAD, TODAY)),
                        false, false, "was revoked"),
                new Case("denied", Optional.of(agreement(Agreement.State.DENIED, Agreement.Mode.DOWNLOAD, TODAY)),
                        false, false, "was denied"));
        for (Case c : cases) {
            var download = policy.decide(c.agreement(), Channel.DOWNLOAD, Optional.empty(), TODAY, "datasets/a/b");
            var job = policy.decide(c.agreement(), Channel.JOB, Optional.empty(), TODAY, "datasets/a/b");
            assertThat(download.allowed()).as(c.name() + " download").isEqualTo(c.download());
            assertThat(job.allowed()).as(c.name() + " job").isEqualTo(c.job());
            if (!c.download()) {
                assertThat(download.reason()).as(c.name()).contains(c.reason());
            }
            c.agreement().ifPresent(a -> assertThat(download.agreementId()).hasValue(a.id()));
        }
    }

    @Test
    void aPurposeTheAgreementDoesNotAllowIsRefusedNamingWhatItAllows() {
        Agreement research = agreement(Agreement.State.APPROVED, Agreement.Mode.DOWNLOAD, TODAY);
        var decision = policy.decide(Optional.of(research), Channel.DOWNLOAD, Optional.of(Purpose.COMMERCIAL_USE),
                TODAY, "datasets/a/b");
        assertThat(decision.allowed()).isFalse();
        assertThat(decision.reason()).contains("allows health-medical-research, not commercial-use");
    }

    static Agreement agreement(Agreement.State state, Agreement.Mode mode, LocalDate expiresOn) {
        return new Agreement("dua_1", "repo_1", "datasets/a/b", "user_1", "ada", Purpose.HEALTH_MEDICAL_RESEARCH,
                "a study of outcomes in stroke care", state, Set.of(Purpose.HEALTH_MEDICAL_RESEARCH),
                Optional.of(expiresOn), mode, true, Optional.empty(), Optional.of("user:owner"),
                Optional.of(Instant.parse("2026-11-20T00:00:00Z")), state == Agreement.State.APPROVED ? Optional.empty()
                : Optional.of("the study ended"), Instant.parse("2026-11-19T00:00:00Z"), 2);
    }
}
