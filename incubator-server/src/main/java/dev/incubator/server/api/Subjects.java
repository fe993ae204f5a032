package dev.incubator.server.api;

import dev.incubator.common.access.Subject;
import dev.incubator.tenancy.Principal;
import java.util.Optional;

/** The subject of an API call, as access decisions see it: the signed-in principal (or anonymous), the purpose
 *  declared for reads ({@code X-Incubator-Purpose}) and the job whose credential made the call, if any, which acts
 *  for its organisation only. */
public final class Subjects {
    static final String PURPOSE_HEADER = "X-Incubator-Purpose";

    private Subjects() {
    }

    public static Subject of(Call call) {
        Optional<Principal> principal = call.optionalPrincipal();
        if (principal.isEmpty()) {
            return Subject.anonymous(call.requestMeta());
        }
        Subject subject = principal.get().subject(call.requestMeta()).acting(call.header(PURPOSE_HEADER)
                .filter(value -> !value.isBlank()), Optional.empty());
        String job = call.context().attribute(Call.VIA_JOB);
        // A job acts for its own organisation only, whatever else its submitter belongs to.
        return job == null ? subject : subject.inJob(job, call.context().attribute(Call.VIA_JOB_ORG));
    }
}
