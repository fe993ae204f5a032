package dev.incubator.governance.review;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * What an organisation serves to people: its purpose, audience (the public or its own staff, minors involved or
 * not), domain, the deployments behind it (ORG/NAME, the gateway's model names) and the datasets it uses. Its risk is
 * the rule table's classification, kept with the reasons that made it.
 */
public record Application(String id, String orgId, String orgName, String name, String purpose, Audience audience,
                          boolean minors, Domain domain, List<String> deployments, List<String> datasets,
                          RiskRules.Classification risk, String createdBy, Instant createdAt, Instant updatedAt,
                          long version) {
    public Application {
        deployments = List.copyOf(deployments);
        datasets = List.copyOf(datasets);
    }

    /** Who the application serves. */
    public enum Audience {
        PUBLIC, INTERNAL;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The field it works in, as the rules name them (news and public opinion: news_opinion). */
    public enum Domain {
        MEDICAL, FINANCE, EDUCATION, NEWS_OPINION, BIOMETRICS, OTHER;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public String fullName() {
        return orgName + "/" + name;
    }
}
