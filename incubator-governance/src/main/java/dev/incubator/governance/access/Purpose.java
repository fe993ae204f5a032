package dev.incubator.governance.access;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * Why data is used, from a fixed vocabulary modelled on the GA4GH Data Use Ontology (DUO); the DUO term each
 * corresponds to is kept for export.
 */
public enum Purpose {
    GENERAL_RESEARCH("DUO:0000042", "general research use"),
    HEALTH_MEDICAL_RESEARCH("DUO:0000006", "health or medical or biomedical research"),
    METHOD_DEVELOPMENT("DUO:0000031", "methods development"),
    POPULATION_ORIGIN_RESEARCH("DUO:0000011", "population origins or ancestry research"),
    NON_PROFIT_USE("DUO:0000045", "not-for-profit use"),
    COMMERCIAL_USE("DUO:0000046", "commercial use");

    private final String duo;
    private final String label;

    Purpose(String duo, String label) {
        this.duo = duo;
        this.label = label;
    }

    public String duo() {
        return duo;
    }

    public String label() {
        return label;
    }

    /** The wire name, e.g. {@code health-medical-research}. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static Optional<Purpose> parse(String value) {
        return Arrays.stream(values()).filter(purpose -> purpose.wire().equals(value)).findFirst();
    }

    public static String choices() {
        return String.join(", ", Arrays.stream(values()).map(Purpose::wire).toList());
    }
}
