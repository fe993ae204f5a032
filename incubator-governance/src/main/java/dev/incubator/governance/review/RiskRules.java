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

    /**
     * A table from its settings file, already read into plain values: a list of rules, each a mapping with
     * {@code name}, {@code domains} (a list; absent: any), {@code audience} (public or internal; absent: any),
     * {@code minors} (true: only when minors are involved), {@code risk} (low, elevated, high),
     * {@code expert_re_review} and {@code reason}. Every problem is reported, prefixed with {@code where}.
     */
    public static RiskRules parse(Object loaded, String where, List<String> problems) {
        if (!(loaded instanceof List<?> items) || items.isEmpty()) {
            problems.add(where + ": must be a non-empty list of rules (name, domains, audience, minors, risk,"
                    + " expert_re_review, reason)");
            return DEFAULT;
        }
        List<Rule> parsed = new ArrayList<>();
        java.util.Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < items.size(); i++) {
            String at = where + "[" + i + "]";
            if (!(items.get(i) instanceof java.util.Map<?, ?> rule)) {
                problems.add(at + ": must be a mapping");
                continue;
            }
            for (Object key : rule.keySet()) {
                if (!Set.of("name", "domains", "audience", "minors", "risk", "expert_re_review", "reason")
                        .contains(String.valueOf(key))) {
                    problems.add(at + ": unknown field '" + key + "'");
                }
            }
            String name = rule.get("name") instanceof String text && !text.isBlank() ? text.strip() : null;
            if (name == null || !names.add(name)) {
                problems.add(at + ".name: " + (name == null ? "must be a word" : "'" + name + "' is used twice"));
            }
            Set<Application.Domain> domains = java.util.EnumSet.noneOf(Application.Domain.class);
            Object listed = rule.get("domains");
            if (listed != null) {
                if (!(listed instanceof List<?> values)) {
                    problems.add(at + ".domains: must be a list such as [medical, finance]");
                } else {
                    for (Object value : values) {
                        enumValue(Application.Domain.class, value, at + ".domains", problems).ifPresent(domains::add);
                    }
                }
            }
            Optional<Application.Audience> audience = rule.get("audience") == null ? Optional.empty()
                    : enumValue(Application.Audience.class, rule.get("audience"), at + ".audience", problems);
            boolean minors = flag(rule.get("minors"), at + ".minors", problems);
            Optional<Risk> risk = enumValue(Risk.class, rule.get("risk"), at + ".risk", problems);
            boolean expert = flag(rule.get("expert_re_review"), at + ".expert_re_review", problems);
            String reason = rule.get("reason") instanceof String text && !text.isBlank() ? text.strip() : null;
            if (reason == null) {
                problems.add(at + ".reason: say why the rule applies (reviewers and applicants read it)");
            }
            if (name != null && risk.isPresent() && reason != null) {
                parsed.add(new Rule(name, domains, audience, minors, risk.get(), expert, reason));
            }
        }
        return new RiskRules(parsed);
    }

    private static boolean flag(Object value, String at, List<String> problems) {
        if (value == null || value instanceof Boolean) {
            return Boolean.TRUE.equals(value);
        }
        problems.add(at + ": must be true or false");
        return false;
    }

    private static <E extends Enum<E>> Optional<E> enumValue(Class<E> type, Object value, String at,
                                                            List<String> problems) {
        for (E constant : type.getEnumConstants()) {
            if (constant.name().toLowerCase(Locale.ROOT).equals(String.valueOf(value).strip().toLowerCase(
                    Locale.ROOT))) {
                return Optional.of(constant);
            }
        }
        problems.add(at + ": '" + value + "' is not one of " + java.util.Arrays.stream(type.getEnumConstants())
                .map(constant -> constant.name().toLowerCase(Locale.ROOT)).toList());
        return Optional.empty();
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
