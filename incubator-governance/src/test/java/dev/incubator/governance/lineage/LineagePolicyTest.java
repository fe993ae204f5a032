package dev.incubator.governance.lineage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.incubator.governance.lineage.LineagePolicy.Node;
import dev.incubator.governance.lineage.LineagePolicy.Restriction;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LineagePolicyTest {
    private final LineagePolicy policy = new LineagePolicy();
    private final Map<String, Node> graph = new HashMap<>();

    @Test
    void aFineTuneOfANonCommercialDatasetCanNotBePublishedAndTheReasonNamesTheChain() {
        graph.put("datasets/hospital/notes", new Node("datasets/hospital/notes", Map.of(Restriction.NON_COMMERCIAL,
                "licence cc-by-nc-4.0"), List.of(), Set.of()));
        graph.put("models/uni/med-base", new Node("models/uni/med-base", Map.of(), List.of("datasets/hospital/notes"),
                Set.of()));
        graph.put("models/startup/med-chat", new Node("models/startup/med-chat", Map.of(),
                List.of("models/uni/med-base"), Set.of()));
        LineagePolicy.Decision decision = policy.mayPublish("models/startup/med-chat", this::lookup);
        assertThat(decision.allowed()).isFalse();
        assertThat(decision.reason()).contains("non-commercial from datasets/hospital/notes (licence cc-by-nc-4.0)")
                .contains("via models/uni/med-base");
        assertThat(policy.mayPublish("datasets/hospital/notes", this::lookup).allowed()).as("its own restriction is"
                + " the owner's choice").isTrue();
    }

    @Test
    void anExceptionFromTheUpstreamOwnerLiftsItsRestrictions() {
        graph.put("datasets/hospital/notes", new Node("datasets/hospital/notes", Map.of(Restriction.NO_REDISTRIBUTION,
                "gated"), List.of(), Set.of("models/uni/med-base")));
        graph.put("models/uni/med-base", new Node("models/uni/med-base", Map.of(), List.of("datasets/hospital/notes",
                "models/uni/med-base"), Set.of()));
        assertThat(policy.mayPublish("models/uni/med-base", this::lookup).allowed()).isTrue();
    }

    private Optional<Node> lookup(String name) {
        return Optional.ofNullable(graph.get(name));
    }
}
