package dev.incubator.governance.lineage;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Restrictions travel along lineage: a repository whose card names restricted base models or datasets inherits
 * their restrictions, and may not be published (made public) while any applies, unless the upstream owner granted
 * it an exception. Pure: the graph comes through a lookup.
 */
public final class LineagePolicy {
    public enum Restriction {
        NO_REDISTRIBUTION, NON_COMMERCIAL, COMPUTE_ONLY;

        public String wire() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        public static Optional<Restriction> parse(String text) {
            for (Restriction restriction : values()) {
                if (restriction.wire().equals(text)) {
                    return Optional.of(restriction);
                }
            }
            return Optional.empty();
        }
    }

    /**
     * A repository in the lineage graph: its own restrictions with why each applies, the repositories it derives
     * from (its card's base_model and datasets, as they exist on this hub), and those it granted exceptions to.
     */
    public record Node(String name, Map<Restriction, String> restrictions, List<String> upstream, Set<String> exceptions) {
    }

    /** One inherited restriction and the path it came along, from the source down to the repository. */
    public record Inherited(Restriction restriction, String why, List<String> path) {
        public String describe() {
            return restriction.wire() + " from " + path.get(0) + " (" + why + ")"
                    + (path.size() > 2 ? " via " + String.join(" -> ", path.subList(1, path.size() - 1)) : "");
        }
    }

    public record Decision(boolean allowed, List<Inherited> blocking, String reason) {
    }

    /** Every restriction {@code name} inherits from upstream (not its own), each with the first path found. */
    public List<Inherited> inherited(String name, Function<String, Optional<Node>> lookup) {
        Map<String, Inherited> found = new LinkedHashMap<>();
        walk(name, lookup, new ArrayList<>(List.of(name)), new HashSet<>(Set.of(name)), found, name);
        return List.copyOf(found.values());
    }

    private void walk(String current, Function<String, Optional<Node>> lookup, List<String> path, Set<String> seen,
                      Map<String, Inherited> found, String target) {
        Optional<Node> node = lookup.apply(current);
        if (node.isEmpty()) {
            return;
        }
        for (String parent : node.get().upstream()) {
            if (!seen.add(parent)) {
                continue;
            }
            Optional<Node> upstream = lookup.apply(parent);
            if (upstream.isEmpty()) {
                continue;
            }
            List<String> chain = new ArrayList<>();
            chain.add(parent);
            for (int i = path.size() - 1; i >= 0; i--) {
                chain.add(path.get(i));
            }
            // An exception this upstream granted to the repository below it on the path lifts what comes from it
            // and above, for that repository and everything derived from it.
            if (upstream.get().exceptions().contains(current)) {
                continue;
            }
            upstream.get().restrictions().forEach((restriction, why) -> found.putIfAbsent(restriction + "|" + parent,
                    new Inherited(restriction, why, List.copyOf(chain))));
            List<String> deeper = new ArrayList<>(path);
            deeper.add(parent);
            walk(parent, lookup, deeper, seen, found, target);
            seen.remove(parent);
        }
    }

    /** Whether {@code name} may be made public. */
    public Decision mayPublish(String name, Function<String, Optional<Node>> lookup) {
        return mayShare(name, lookup, "publishing " + name);
    }

    /**
     * Whether {@code name} may be shared in a way that counts as publishing ({@code act} says which, e.g. "sharing
     * datasets/a/b for commercial use"): only when it inherits no restriction.
     */
    public Decision mayShare(String name, Function<String, Optional<Node>> lookup, String act) {
        List<Inherited> blocking = inherited(name, lookup);
        if (blocking.isEmpty()) {
            return new Decision(true, List.of(), "no restricted upstream");
        }
        List<String> reasons = blocking.stream().map(Inherited::describe).toList();
        return new Decision(false, blocking, act + " is refused: it inherits " + String.join("; ", reasons)
                + ". Ask the upstream owner for an exception (incubator hub lineage-exception ...)");
    }
}
