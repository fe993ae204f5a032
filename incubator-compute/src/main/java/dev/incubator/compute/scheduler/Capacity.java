package dev.incubator.compute.scheduler;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Free GPU capacity of the schedulable nodes, in thousandths per GPU, with best-fit, topology-aware placement.
 * Mutable working state of one cycle; what-if questions apply a change and undo it.
 */
final class Capacity {
    private final List<Node> nodes;
    private final Map<String, Integer> indexByName;
    private final int[][] free;
    private final int[] wholeFree;
    /** nodesWithWholeFree[k]: how many nodes have exactly k whole free GPUs; rejects gangs in O(GPUs per node). */
    private final int[] nodesWithWholeFree;
    private final Map<String, Long> freeMillisByType;
    private long freeMillisTotal;
    /** Changes with every allocation or release: equal versions mean equal capacity. */
    private long version;

    Capacity(List<Node> allNodes) {
        this.nodes = allNodes.stream().filter(Node::schedulable).toList();
        this.indexByName = new HashMap<>();
        this.free = new int[nodes.size()][];
        this.wholeFree = new int[nodes.size()];
        this.freeMillisByType = new HashMap<>();
        this.nodesWithWholeFree = new int[nodes.stream().mapToInt(node -> node.gpus().size()).max().orElse(0) + 1];
        for (int n = 0; n < nodes.size(); n++) {
            Node node = nodes.get(n);
            indexByName.put(node.name(), n);
            free[n] = new int[node.gpus().size()];
            Arrays.fill(free[n], GpuShare.WHOLE);
            wholeFree[n] = node.gpus().size();
            nodesWithWholeFree[wholeFree[n]]++;
            for (Gpu gpu : node.gpus()) {
                freeMillisByType.merge(gpu.type(), (long) GpuShare.WHOLE, Long::sum);
                freeMillisTotal += GpuShare.WHOLE;
            }
        }
    }

    /** Takes ({@code sign} -1) or returns (+1) an allocation; shares on unknown or unschedulable nodes are ignored. */
    void apply(List<GpuShare> allocation, int sign) {
        version++;
        for (GpuShare share : allocation) {
            Integer n = indexByName.get(share.node());
            if (n == null || share.index() >= free[n].length) {
                continue;
            }
            boolean wasWhole = free[n][share.index()] == GpuShare.WHOLE;
            free[n][share.index()] += sign * share.millis();
            boolean isWhole = free[n][share.index()] == GpuShare.WHOLE;
            nodesWithWholeFree[wholeFree[n]]--;
            wholeFree[n] += (isWhole ? 1 : 0) - (wasWhole ? 1 : 0);
            nodesWithWholeFree[wholeFree[n]]++;
            freeMillisByType.merge(nodes.get(n).gpus().get(share.index()).type(), (long) sign * share.millis(), Long::sum);
            freeMillisTotal += (long) sign * share.millis();
        }
    }

    long version() {
        return version;
    }

    /** Free thousandths of GPUs of a type ({@code null}: any type). */
    long freeMillis(String type) {
        if (type == null) {
            return freeMillisTotal;
        }
        return freeMillisByType.getOrDefault(type, 0L);
    }

    /** A necessary condition for a whole-GPU placement, checked without scanning the nodes. */
    boolean mayFit(JobRequest job) {
        if (job.gpuMillis() == 0) {
            return nodes.size() >= job.nodes();
        }
        if (freeMillis(job.gpuType().orElse(null)) < job.totalGpuMillis()) {
            return false;
        }
        if (job.isFractional()) {
            return true;
        }
        int eligible = 0;
        for (int k = job.wholeGpusPerNode(); k < nodesWithWholeFree.length && eligible < job.nodes(); k++) {
            eligible += nodesWithWholeFree[k];
        }
        return eligible >= job.nodes();
    }

    /** Whether the cluster, empty, could ever run the job. */
    static Optional<String> neverFits(List<Node> allNodes, JobRequest job) {
        List<Node> schedulable = allNodes.stream().filter(Node::schedulable).toList();
        long matchingNodes = schedulable.stream().filter(node -> count(node, job) >= Math.max(1, job.wholeGpusPerNode())
                || job.gpuMillis() == 0).count();
        if (matchingNodes >= job.nodes()) {
            return Optional.empty();
        }
        int largest = schedulable.stream().mapToInt(node -> count(node, job)).max().orElse(0);
        return Optional.of("needs " + describe(job) + "; the cluster has " + matchingNodes + " node(s) that fit"
                + (job.gpuType().isPresent() ? " with GPU type " + job.gpuType().get() : "")
                + ", at most " + largest + " matching GPUs per node");
    }

    private static int count(Node node, JobRequest job) {
        return (int) node.gpus().stream().filter(gpu -> job.gpuType().map(gpu.type()::equals).orElse(true)).count();
    }

    static String describe(JobRequest job) {
        if (job.gpuMillis() == 0) {
            return job.nodes() + " node(s) without GPUs";
        }
        if (job.isFractional()) {
            return job.gpuMillis() / 1000.0 + " of one GPU" + job.gpuType().map(type -> " (" + type + ")").orElse("");
        }
        return job.wholeGpusPerNode() * job.nodes() + " GPUs" + job.gpuType().map(type -> " of type " + type).orElse("")
                + (job.nodes() > 1 ? " on " + job.nodes() + " nodes" : " on one node");
    }

    /**
     * Best-fit placement avoiding {@code excluded} GPUs (keys from {@link #key}): the node with the fewest free
     * GPUs that still fit, GPUs of one island where possible; fractional jobs pack onto shared GPUs first.
     */
    Optional<List<GpuShare>> place(JobRequest job, Set<Long> excluded) {
        if (job.gpuMillis() == 0) {
            return nodes.size() >= job.nodes() ? Optional.of(List.of()) : Optional.empty();
        }
        if (!mayFit(job)) {
            return Optional.empty();
        }
        String type = job.gpuType().orElse(null);
        return job.isFractional() ? placeFraction(job, type, excluded) : placeWhole(job, type, excluded);
    }

    private Optional<List<GpuShare>> placeFraction(JobRequest job, String type, Set<Long> excluded) {
        int bestNode = -1;
        int bestGpu = -1;
        int bestScore = Integer.MAX_VALUE;
        for (int n = 0; n < nodes.size(); n++) {
            List<Gpu> gpus = nodes.get(n).gpus();
            for (int g = 0; g < gpus.size(); g++) {
                int available = free[n][g];
                if (available < job.gpuMillis() || !matches(gpus.get(g), type) || excluded.contains(key(n, g))) {
                    continue;
                }
                // Shared GPUs first (tightest remainder), then a whole GPU on the node with the fewest whole free.
                int score = available < GpuShare.WHOLE ? available - job.gpuMillis()
                        : GpuShare.WHOLE * 2 + wholeFree[n];
                if (score < bestScore) {
                    bestScore = score;
                    bestNode = n;
                    bestGpu = g;
                }
            }
        }
        if (bestNode < 0) {
            return Optional.empty();
        }
        return Optional.of(List.of(new GpuShare(nodes.get(bestNode).name(), bestGpu, job.gpuMillis())));
    }

    private Optional<List<GpuShare>> placeWhole(JobRequest job, String type, Set<Long> excluded) {
        int perNode = job.wholeGpusPerNode();
        // Candidate nodes: enough whole, matching, not excluded GPUs. Each entry: node index -> usable GPUs.
        Map<Integer, List<Integer>> usable = new LinkedHashMap<>();
        for (int n = 0; n < nodes.size(); n++) {
            if (wholeFree[n] < perNode) {
                continue;
            }
            List<Gpu> gpus = nodes.get(n).gpus();
            List<Integer> indices = new ArrayList<>();
            for (int g = 0; g < gpus.size(); g++) {
                if (free[n][g] == GpuShare.WHOLE && matches(gpus.get(g), type) && !excluded.contains(key(n, g))) {
                    indices.add(g);
                }
            }
            if (indices.size() >= perNode) {
                usable.put(n, indices);
            }
        }
        if (usable.size() < job.nodes()) {
            return Optional.empty();
        }
        List<Integer> chosen = chooseNodes(usable, job.nodes());
        List<GpuShare> allocation = new ArrayList<>();
        for (int n : chosen) {
            for (int g : chooseGpus(nodes.get(n), usable.get(n), perNode)) {
                allocation.add(new GpuShare(nodes.get(n).name(), g, GpuShare.WHOLE));
            }
        }
        return Optional.of(allocation);
    }

    /** One node: the tightest fit. Several: the tightest island that holds them all, else the tightest nodes. */
    private List<Integer> chooseNodes(Map<Integer, List<Integer>> usable, int count) {
        java.util.Comparator<Integer> tightest = java.util.Comparator.<Integer>comparingInt(n -> usable.get(n).size())
                .thenComparing(n -> nodes.get(n).name());
        if (count == 1) {
            return List.of(usable.keySet().stream().min(tightest).orElseThrow());
        }
        Map<String, List<Integer>> byIsland = new java.util.TreeMap<>();
        for (int n : usable.keySet()) {
            byIsland.computeIfAbsent(island(nodes.get(n)), island -> new ArrayList<>()).add(n);
        }
        List<Integer> best = null;
        int bestSpare = Integer.MAX_VALUE;
        for (List<Integer> members : byIsland.values()) {
            if (members.size() < count) {
                continue;
            }
            List<Integer> picked = members.stream().sorted(tightest).limit(count).toList();
            int spare = picked.stream().mapToInt(n -> usable.get(n).size()).sum();
            if (spare < bestSpare) {
                bestSpare = spare;
                best = picked;
            }
        }
        return best != null ? best : usable.keySet().stream().sorted(tightest).limit(count).toList();
    }

    /** GPUs of one island where possible (the smallest island group that fits), lowest indices first. */
    private static List<Integer> chooseGpus(Node node, List<Integer> indices, int count) {
        Map<String, List<Integer>> byIsland = new java.util.TreeMap<>();
        for (int g : indices) {
            byIsland.computeIfAbsent(node.gpus().get(g).island(), island -> new ArrayList<>()).add(g);
        }
        return byIsland.values().stream().filter(group -> group.size() >= count)
                .min(java.util.Comparator.comparingInt(List::size))
                .map(group -> group.subList(0, count))
                .orElse(indices.subList(0, count));
    }

    private static String island(Node node) {
        return node.gpus().isEmpty() ? "" : node.gpus().get(0).island();
    }

    private static boolean matches(Gpu gpu, String type) {
        return type == null || gpu.type().equals(type);
    }

    long key(String node, int gpu) {
        Integer n = indexByName.get(node);
        return n == null ? -1 : key(n, gpu);
    }

    private static long key(int node, int gpu) {
        return ((long) node << 16) | gpu;
    }
}
