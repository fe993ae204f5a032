package dev.incubator.hub.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.incubator.common.IncubatorException;
import org.junit.jupiter.api.Test;

/** The access conditions an owner states in a gated repository's card. */
class CardTest {
    @Test
    void aGatedCardStatesPurposesModeAndConditions() {
        Card card = Card.parse("---\ngated_purposes: [general-research, method-development]\ngated_mode: compute-only\n"
                + "gated_conditions: Do not re-identify anyone.\n---\n# Notes\n").orElseThrow();
        assertThat(card.gatedPurposes()).containsExactly("general-research", "method-development");
        assertThat(card.gatedMode()).contains("compute-only");
        assertThat(card.gatedConditions()).contains("Do not re-identify anyone.");
    }

    @Test
    void anUnknownModeOrConditionsThatAreNotTextRefuseTheCardNamingTheField() {
        assertThatThrownBy(() -> Card.parse("---\ngated_mode: sometimes\n---\n"))
                .isInstanceOfSatisfying(IncubatorException.class, e -> assertThat(e.fieldErrors())
                        .anySatisfy(error -> assertThat(error.field()).isEqualTo("README.md:gated_mode")));
        assertThatThrownBy(() -> Card.parse("---\ngated_conditions: [a, b]\n---\n"))
                .isInstanceOfSatisfying(IncubatorException.class, e -> assertThat(e.fieldErrors())
                        .anySatisfy(error -> assertThat(error.field()).isEqualTo("README.md:gated_conditions")));
    }

    @Test
    void aCardWithoutConditionsConsidersEveryPurpose() {
        Card card = Card.parse("---\nlicense: apache-2.0\n---\n").orElseThrow();
        assertThat(card.gatedPurposes()).isEmpty();
        assertThat(card.gatedMode()).isEmpty();
        assertThat(card.gatedConditions()).isEmpty();
    }
}
