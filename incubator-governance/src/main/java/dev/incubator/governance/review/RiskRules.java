package dev.incubator.governance.review;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The rule table that classifies an application's risk. Each rule matches on domain, audience and whether minors are
 * involved; the highest level of the rules that match wins, and every matching rule's reason is kept. A rule may ask
 * for expert re-review (the 2023 Measures for Ethical Review of Science and Technology Activities list algorithms with
 * public-opinion or social-mobilisation capability among those needing it), which raises the majority a decision
 * needs. The default table is {@link #DEFAULT}; docs/governance.md prints it.
 */
public record RiskRules(List<Rule> rules) {
    public enum Risk {
        LOW, ELEVATED, HIGH;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Matches when every given condition holds: the domain is one of {@code domains} (empty: any), the audience is
     * {@code audience} (empty: any), minors are involved when {@code minors} is true.
     */
    public record Rule(String name, Set<Application.Domain> domains, Optional<Application.Audience> audience,
                       boolean minors, Risk risk, boolean expertReReview, String reason) {
        boolean matches(Application.Domain domain, Application.Audience to, boolean involvesMinors) {
            return (domains.isEmpty() || domains.contains(domain)) && audience.map(to::equals).orElse(true)
                    && (!minors || involvesMinors);
        }
    }

    /** The outcome: the level, whether expert re-review applies, and why (one reason per matching rule). */
    public record Classification(Risk risk, boolean expertReReview, List<String> reasons) {
        public Classification {
            reasons = List.copyOf(reasons);
        }

        public boolean high() {
            return risk == Risk.HIGH;
        }
    }

    public static final RiskRules DEFAULT = new RiskRules(List.of(
            new Rule("medical", Set.of(Application.Domain.MEDICAL), Optional.empty(), false, Risk.HIGH, false,
                    "medical use: high-risk in every framework (diagnosis, treatment or health advice)"),
            new Rule("minors", Set.of(), Optional.empty(), true, Risk.HIGH, false,
                    "minors are involved: their protection makes the use high-risk"),
            new Rule("public-opinion", Set.of(Application.Domain.NEWS_OPINION), Optional.of(
                    Application.Audience.PUBLIC), false, Risk.HIGH, true,
                    "news and public opinion served to the public: an algorithm with public-opinion or"
                            + " social-mobilisation capability needs expert re-review (2023 Measures, annex)"),
            new Rule("biometrics", Set.of(Application.Domain.BIOMETRICS), Optional.empty(), false, Risk.HIGH, false,
                    "biometric identification: sensitive personal information"),
            new Rule("finance-education", Set.of(Application.Domain.FINANCE, Application.Domain.EDUCATION),
                    Optional.empty(), false, Risk.ELEVATED, false,
                    "finance or education: consequential for the people served; review recommended"),
            new Rule("public", Set.of(), Optional.of(Application.Audience.PUBLIC), false, Risk.ELEVATED, false,
                    "served to the public: generated content must carry its labels (GB 45438-2025)")));

    public RiskRules {
        rules = List.copyOf(rules);
    }

    public Classification classify(Application.Domain domain, Application.Audience audience, boolean minors) {
        Risk risk = Risk.LOW;
        boolean expert = false;
        List<String> reasons = new ArrayList<>();
        for (Rule rule : rules) {
            if (rule.matches(domain, audience, minors)) {
                risk = rule.risk().compareTo(risk) > 0 ? rule.risk() : risk;
                expert |= rule.expertReReview();
                reasons.add(rule.name() + ": " + rule.reason());
            }
        }
        if (reasons.isEmpty()) {
            reasons.add("no rule matched: low risk");
        }
        return new Classification(risk, expert, reasons);
    }
}
