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
    /** Free thousandths of each GPU, all nodes in one array: GPU g of node n is at {@code first[n] + g}. */
    private final int[] free;
    private final int[] first;
    /** wholeFree[type][n]: whole free GPUs of the type on node n (the last row: of any type). */
    private final int[][] wholeFree;
    /**
     * nodesWithWholeFree[type][k]: how many nodes have exactly k whole free GPUs of the type; rejects gangs and
     * finds the tightest node in O(GPUs per node).
     */
    private final int[][] nodesWithWholeFree;
    /** Node indices in name order, and each node's rank in it: ties between equally tight nodes go by name. */
    private final int[] byName;
    private final int[] nameRank;
    /** GPU types in order of first appearance; a type's index selects its row in the per-type arrays. */
    private final Map<String, Integer> typeIndex;
    private final int[][] gpuType;
    /** Free thousandths per type; the last entry counts every type. */
    private final long[] freeMillisByType;
    /**
     * freeShares[type][m]: how many GPUs have exactly m thousandths free (the last row counts every type); rejects
     * fractional jobs without scanning the GPUs.
     */
    private final int[][] freeShares;
    /** matching[type][n]: GPUs of the type on node n (the last row: all GPUs); computed once. */
    private final int[][] matching;
    /** GPUs promised to a job that waits for preemption victims: offered to nobody else, counted as not free. */
    private final boolean[] held;
    /** Free CPUs and MiB of memory of each node; nodes that state none have {@link #UNTRACKED} of each. */
    private final int[] freeCpus;
    private final long[] freeMemory;
    /** Changes with every allocation or release: equal versions mean equal capacity. */
    private long version;

    /** What a node that states no CPUs or memory (a simulated trace's) offers: more than any job asks. */
    static final int UNTRACKED = Integer.MAX_VALUE / 2;

    /** Capacity of an empty cluster with this layout: the immutable parts shared, the counters copied. */
    Capacity(Layout layout) {
        this.nodes = layout.nodes;
        this.indexByName = layout.indexByName;
        this.typeIndex = layout.typeIndex;
        this.gpuType = layout.gpuType;
        this.matching = layout.matching;
        this.byName = layout.byName;
        this.nameRank = layout.nameRank;
        this.freeMillisByType = layout.freeMillisByType.clone();
        this.freeShares = deepCopy(layout.freeShares);
        this.wholeFree = deepCopy(layout.wholeFree);
        this.nodesWithWholeFree = deepCopy(layout.nodesWithWholeFree);
        this.first = layout.first;
        this.freeCpus = layout.cpus.clone();
        this.freeMemory = layout.memory.clone();
        this.free = new int[layout.gpuCount];
        Arrays.fill(free, GpuShare.WHOLE);
        this.held = new boolean[layout.gpuCount];
    }

    /**
     * A copy to start a later cycle from: the same free GPUs, nothing held, its own counters. Only copies of a
     * capacity that holds no GPU are meaningful (holds are a cycle's own).
     */
    Capacity copy() {
        return new Capacity(this);
    }

    private Capacity(Capacity other) {
        this.nodes = other.nodes;
        this.indexByName = other.indexByName;
        this.typeIndex = other.typeIndex;
        this.gpuType = other.gpuType;
        this.matching = other.matching;
        this.byName = other.byName;
        this.nameRank = other.nameRank;
        this.freeMillisByType = other.freeMillisByType.clone();
        this.freeShares = deepCopy(other.freeShares);
        this.wholeFree = deepCopy(other.wholeFree);
        this.nodesWithWholeFree = deepCopy(other.nodesWithWholeFree);
        this.first = other.first;
        this.freeCpus = other.freeCpus.clone();
        this.freeMemory = other.freeMemory.clone();
        this.free = other.free.clone();
        this.held = new boolean[free.length];
    }

    private static int[][] deepCopy(int[][] rows) {
        int[][] copy = new int[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            copy[i] = rows[i].clone();
        }
        return copy;
    }

    /**
     * What does not change while the node list stays the same: schedulable nodes, their indices by name and by name
     * order, GPU types, and the counters of the empty cluster. Built once per node list and shared by the
     * capacities of later cycles.
     */
    static final class Layout {
        final List<Node> source;
        final List<Node> nodes;
        final Map<String, Integer> indexByName = new HashMap<>();
        final Map<String, Integer> typeIndex = new HashMap<>();
        final int[][] gpuType;
        final int[][] matching;
        final int[] byName;
        final int[] nameRank;
        final long[] freeMillisByType;
        final int[][] freeShares;
        final int[][] wholeFree;
        final int[][] nodesWithWholeFree;
        final int[] first;
        final int gpuCount;
        /** Each node's CPUs and MiB of memory, {@link #UNTRACKED} where it states none. */
        final int[] cpus;
        final long[] memory;

        Layout(List<Node> allNodes) {
            this.source = allNodes;
            this.nodes = allNodes.stream().filter(Node::schedulable).toList();
            this.gpuType = new int[nodes.size()][];
            int mostGpus = nodes.stream().mapToInt(node -> node.gpus().size()).max().orElse(0);
            for (Node node : nodes) {
                for (Gpu gpu : node.gpus()) {
                    typeIndex.putIfAbsent(gpu.type(), typeIndex.size());
                }
            }
            int any = typeIndex.size();
            this.freeMillisByType = new long[any + 1];
            this.freeShares = new int[any + 1][GpuShare.WHOLE + 1];
            this.matching = new int[any + 1][nodes.size()];
            this.wholeFree = new int[any + 1][nodes.size()];
            this.nodesWithWholeFree = new int[any + 1][mostGpus + 1];
            this.first = new int[nodes.size()];
            int gpus = 0;
            for (int n = 0; n < nodes.size(); n++) {
                first[n] = gpus;
                gpus += nodes.get(n).gpus().size();
            }
            this.gpuCount = gpus;
            this.cpus = new int[nodes.size()];
            this.memory = new long[nodes.size()];
            for (int n = 0; n < nodes.size(); n++) {
                cpus[n] = nodes.get(n).cpus() > 0 ? nodes.get(n).cpus() : UNTRACKED;
                memory[n] = nodes.get(n).memoryMib() > 0 ? nodes.get(n).memoryMib() : UNTRACKED;
            }
            for (int n = 0; n < nodes.size(); n++) {
                Node node = nodes.get(n);
                indexByName.put(node.name(), n);
                gpuType[n] = new int[node.gpus().size()];
                for (int g = 0; g < node.gpus().size(); g++) {
                    int type = typeIndex.get(node.gpus().get(g).type());
                    gpuType[n][g] = type;
                    for (int row : new int[] {type, any}) {
                        freeMillisByType[row] += GpuShare.WHOLE;
                        freeShares[row][GpuShare.WHOLE]++;
                        matching[row][n]++;
                        wholeFree[row][n]++;
                    }
                }
            }
            for (int row = 0; row <= any; row++) {
                for (int n = 0; n < nodes.size(); n++) {
                    nodesWithWholeFree[row][wholeFree[row][n]]++;
                }
            }
            this.byName = java.util.stream.IntStream.range(0, nodes.size()).boxed()
                    .sorted(java.util.Comparator.comparing(n -> nodes.get(n).name()))
                    .mapToInt(Integer::intValue).toArray();
            this.nameRank = new int[nodes.size()];
            for (int rank = 0; rank < byName.length; rank++) {
                nameRank[byName[rank]] = rank;
            }
        }
    }

    /** The index of a GPU type ({@code null}: any type), or -1 for a type no schedulable node has. */
    int typeIndex(String type) {
        if (type == null) {
            return typeIndex.size();
        }
        return typeIndex.getOrDefault(type, -1);
    }

    /**
     * Takes ({@code sign} -1) or returns (+1) what a job holds: its GPUs, and its CPUs and memory on each of its
     * hosts. Returns the claim's thousandths of GPUs, every share counted.
     */
    long apply(Claim claim, int sign) {
        long millis = apply(claim.gpus(), sign);
        if (claim.claimsHostResources()) {
            version++;
            for (int i = 0; i < claim.hosts().size(); i++) {
                Integer n = indexByName.get(claim.hosts().get(i));
                if (n != null) {
                    freeCpus[n] += sign * claim.cpus();
                    freeMemory[n] += sign * claim.memoryMib();
                }
            }
        }
        return millis;
    }

    /**
     * Takes ({@code sign} -1) or returns (+1) an allocation; shares on unknown or unschedulable nodes are ignored.
     * Returns the allocation's thousandths of GPUs, every share counted.
     */
    private long apply(List<GpuShare> allocation, int sign) {
        version++;
        int any = typeIndex.size();
        long total = 0;
        for (int i = 0; i < allocation.size(); i++) {
            GpuShare share = allocation.get(i);
            total += share.millis();
            Integer n = indexByName.get(share.node());
            if (n == null || share.index() >= gpuType[n].length) {
                continue;
            }
            int before = free[first[n] + share.index()];
            int after = before + sign * share.millis();
            free[first[n] + share.index()] = after;
            if (held[first[n] + share.index()]) {
                continue;
            }
            int type = gpuType[n][share.index()];
            freeShares[type][bucket(before)]--;
            freeShares[any][bucket(before)]--;
            freeShares[type][bucket(after)]++;
            freeShares[any][bucket(after)]++;
            int wholeDelta = (after == GpuShare.WHOLE ? 1 : 0) - (before == GpuShare.WHOLE ? 1 : 0);
            if (wholeDelta != 0) {
                wholeChanged(n, type, wholeDelta);
            }
            freeMillisByType[type] += (long) sign * share.millis();
            freeMillisByType[any] += (long) sign * share.millis();
        }
        return total;
    }

    /**
     * Holds a GPU for a job waiting for preemption victims: from now on it is offered to no other job this cycle,
     * and whatever of it is free no longer counts as free.
     */
    void hold(String node, int gpu) {
        Integer n = indexByName.get(node);
        if (n == null || gpu >= gpuType[n].length || held[first[n] + gpu]) {
            return;
        }
        version++;
        int available = free[first[n] + gpu];
        int type = gpuType[n][gpu];
        int any = typeIndex.size();
        freeShares[type][bucket(available)]--;
        freeShares[any][bucket(available)]--;
        freeShares[type][0]++;
        freeShares[any][0]++;
        freeMillisByType[type] -= Math.max(0, available);
        freeMillisByType[any] -= Math.max(0, available);
        if (available == GpuShare.WHOLE) {
            wholeChanged(n, type, -1);
        }
        held[first[n] + gpu] = true;
    }

    private void wholeChanged(int n, int type, int delta) {
        wholeChanged(n, delta, wholeFree[type], nodesWithWholeFree[type]);
        wholeChanged(n, delta, wholeFree[typeIndex.size()], nodesWithWholeFree[typeIndex.size()]);
    }

    private static void wholeChanged(int n, int delta, int[] wholeFree, int[] nodesWithWholeFree) {
        nodesWithWholeFree[wholeFree[n]]--;
        wholeFree[n] += delta;
        nodesWithWholeFree[wholeFree[n]]++;
    }

    /** Over-allocated snapshots (which the scheduler never produces) still keep the histogram in range. */
    private static int bucket(int freeMillis) {
        return Math.max(0, Math.min(GpuShare.WHOLE, freeMillis));
    }

    long version() {
        return version;
    }

    /** Free thousandths of GPUs of a type ({@code null}: any type). */
    long freeMillis(String type) {
        return freeMillisOf(typeIndex(type));
    }

    /** Free thousandths of GPUs of a type index from {@link #typeIndex}. */
    long freeMillisOf(int type) {
        return type < 0 ? 0 : freeMillisByType[type];
    }

    /** A necessary condition for a whole-GPU placement, checked without scanning the nodes. */
    boolean mayFit(JobRequest job) {
        if (job.gpuMillis() == 0) {
            return roomyNodes(job) >= job.nodes();
        }
        if (freeMillis(job.gpuType().orElse(null)) < job.totalGpuMillis()) {
            return false;
        }
        if (job.isFractional()) {
            int[] shares = freeShares[typeIndex(job.gpuType().orElse(null))];
            for (int m = job.gpuMillis(); m <= GpuShare.WHOLE; m++) {
                if (shares[m] > 0) {
                    return true;
                }
            }
            return false;
        }
        int[] counts = nodesWithWholeFree[typeIndex(job.gpuType().orElse(null))];
        int eligible = 0;
        for (int k = job.wholeGpusPerNode(); k < counts.length && eligible < job.nodes(); k++) {
            eligible += counts[k];
        }
        return eligible >= job.nodes();
    }

    /** Whether the cluster, empty, could ever run the job: empty when it could, else why not. */
    Optional<String> neverFits(JobRequest job) {
        int type = typeIndex(job.gpuType().orElse(null));
        int[] perNode = type < 0 ? new int[nodes.size()] : matching[type];
        int needed = Math.max(1, job.wholeGpusPerNode());
        int matchingNodes = 0;
        int gpuNodes = 0;
        int largest = 0;
        for (int n = 0; n < perNode.length; n++) {
            boolean gpusFit = perNode[n] >= needed || job.gpuMillis() == 0;
            if (gpusFit) {
                gpuNodes++;
            }
            if (gpusFit && layoutCpus(n) >= job.cpus() && layoutMemory(n) >= job.memoryMib()) {
                matchingNodes++;
            }
            largest = Math.max(largest, perNode[n]);
        }
        if (matchingNodes >= job.nodes()) {
            return Optional.empty();
        }
        if (gpuNodes >= job.nodes()) {
            return Optional.of("needs " + describe(job) + "; " + largestNode());
        }
        return Optional.of("needs " + describe(job) + "; the cluster has " + matchingNodes + " node(s) that fit"
                + (job.gpuType().isPresent() ? " with GPU type " + job.gpuType().get() : "")
                + ", at most " + largest + " matching GPUs per node");
    }

    /** The node with the most CPUs, and the one with the most memory, in words (for jobs no node can hold). */
    String largestNode() {
        int mostCpus = -1;
        int mostMemory = -1;
        for (int n = 0; n < nodes.size(); n++) {
            if (mostCpus < 0 || layoutCpus(n) > layoutCpus(mostCpus)) {
                mostCpus = n;
            }
            if (mostMemory < 0 || layoutMemory(n) > layoutMemory(mostMemory)) {
                mostMemory = n;
            }
        }
        if (mostCpus < 0) {
            return "the cluster has no schedulable node";
        }
        Node cpus = nodes.get(mostCpus);
        Node memory = nodes.get(mostMemory);
        return mostCpus == mostMemory
                ? "the largest node, " + cpus.name() + ", has " + cpus.cpus() + " CPUs and " + memory.memoryMib()
                        + " MiB of memory"
                : "the node with the most CPUs, " + cpus.name() + ", has " + cpus.cpus() + "; the one with the most"
                        + " memory, " + memory.name() + ", has " + memory.memoryMib() + " MiB";
    }

    private int layoutCpus(int n) {
        return nodes.get(n).cpus() > 0 ? nodes.get(n).cpus() : UNTRACKED;
    }

    private long layoutMemory(int n) {
        return nodes.get(n).memoryMib() > 0 ? nodes.get(n).memoryMib() : UNTRACKED;
    }

    /** Whether node n has the job's CPUs and memory free. */
    private boolean hasRoom(int n, JobRequest job) {
        return freeCpus[n] >= job.cpus() && freeMemory[n] >= job.memoryMib();
    }

    private int roomyNodes(JobRequest job) {
        int count = 0;
        for (int n = 0; n < nodes.size(); n++) {
            if (hasRoom(n, job)) {
                count++;
            }
        }
        return count;
    }

    /**
     * What of CPUs and memory keeps the job from any node now, in words ("4 CPUs: at most 1 free on a node"), or
     * empty when some node has both free.
     */
    Optional<String> hostShortage(JobRequest job) {
        if (!claimsHost(job) || roomyNodes(job) >= job.nodes()) {
            return Optional.empty();
        }
        int mostCpus = 0;
        long mostMemory = 0;
        for (int n = 0; n < nodes.size(); n++) {
            mostCpus = Math.max(mostCpus, freeCpus[n]);
            mostMemory = Math.max(mostMemory, freeMemory[n]);
        }
        List<String> short_ = new ArrayList<>(2);
        if (mostCpus < job.cpus()) {
            short_.add("CPUs (" + job.cpus() + " per node, at most " + mostCpus + " free on a node)");
        }
        if (mostMemory < job.memoryMib()) {
            short_.add("memory (" + job.memoryMib() + " MiB per node, at most " + mostMemory + " MiB free on a node)");
        }
        if (short_.isEmpty()) {
            short_.add("CPUs and memory together (" + job.cpus() + " CPUs and " + job.memoryMib()
                    + " MiB on one node)");
        }
        return Optional.of("waiting for " + String.join(" and ", short_));
    }

    private static boolean claimsHost(JobRequest job) {
        return job.cpus() > 0 || job.memoryMib() > 0;
    }

    /**
     * Nodes for a job without GPUs: the tightest ones (fewest free CPUs, then name) with its CPUs and memory free,
     * or empty when there are not enough.
     */
    Optional<List<String>> hostsFor(JobRequest job) {
        List<Integer> roomy = new ArrayList<>();
        for (int n = 0; n < nodes.size(); n++) {
            if (hasRoom(n, job)) {
                roomy.add(n);
            }
        }
        if (roomy.size() < job.nodes()) {
            return Optional.empty();
        }
        roomy.sort(java.util.Comparator.<Integer>comparingInt(n -> freeCpus[n]).thenComparingInt(n -> nameRank[n]));
        return Optional.of(roomy.subList(0, job.nodes()).stream().map(n -> nodes.get(n).name()).toList());
    }

    static String describe(JobRequest job) {
        String host = (job.cpus() > 0 ? ", " + job.cpus() + " CPUs" : "")
                + (job.memoryMib() > 0 ? ", " + job.memoryMib() + " MiB of memory" : "")
                + (claimsHost(job) && job.nodes() > 1 ? " per node" : "");
        return describeGpus(job) + host;
    }

    private static String describeGpus(JobRequest job) {
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
     * Best-fit placement avoiding held GPUs and {@code excluded} ones (keys from {@link #key}): the node with the fewest free
     * GPUs that still fit, GPUs of one island where possible; fractional jobs pack onto shared GPUs first.
     */

    Optional<List<GpuShare>> place(JobRequest job, Set<Long> excluded) {
        if (job.gpuMillis() == 0) {
            return roomyNodes(job) >= job.nodes() ? Optional.of(List.of()) : Optional.empty();
        }
        if (!mayFit(job)) {
            return Optional.empty();
        }
        if (claimsHost(job)) {
            excluded = withoutRoom(job, excluded);
        }
        int type = typeIndex(job.gpuType().orElse(null));
        return job.isFractional() ? placeFraction(job, type, excluded) : placeWhole(job, type, excluded);
    }

    /** The excluded GPUs, plus every GPU of the nodes without the job's CPUs and memory free. */
    private Set<Long> withoutRoom(JobRequest job, Set<Long> excluded) {
        Set<Long> avoid = null;
        for (int n = 0; n < nodes.size(); n++) {
            if (!hasRoom(n, job)) {
                if (avoid == null) {
                    avoid = new java.util.HashSet<>(excluded);
                }
                for (int g = 0; g < gpuType[n].length; g++) {
                    avoid.add(key(n, g));
                }
            }
        }
        return avoid == null ? excluded : avoid;
    }

    private Optional<List<GpuShare>> placeFraction(JobRequest job, int type, Set<Long> excluded) {
        if (excluded.isEmpty()) {
            return placeFractionByHistogram(job, type);
        }
        int bestNode = -1;
        int bestGpu = -1;
        int bestScore = Integer.MAX_VALUE;
        for (int n = 0; n < nodes.size(); n++) {
            List<Gpu> gpus = nodes.get(n).gpus();
            for (int g = 0; g < gpus.size(); g++) {
                int available = free[first[n] + g];
                if (available < job.gpuMillis() || held[first[n] + g] || !matches(n, g, type)
                        || isExcluded(excluded, n, g)) {
                    continue;
                }
                // Shared GPUs first (tightest remainder), then a whole GPU on the node with the fewest whole free.
                int score = available < GpuShare.WHOLE ? available - job.gpuMillis()
                        : GpuShare.WHOLE * 2 + wholeFree[typeIndex.size()][n];
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

    /**
     * The same choice as the scan in {@link #placeFraction} without visiting every GPU: the tightest shared
     * remainder comes from the histogram of free shares, then the first GPU with exactly that much free; failing
     * that, a whole GPU on the node with the fewest whole free GPUs.
     */
    private Optional<List<GpuShare>> placeFractionByHistogram(JobRequest job, int type) {
        int[] shares = freeShares[type];
        int tightest = job.gpuMillis();
        while (tightest < GpuShare.WHOLE && shares[tightest] == 0) {
            tightest++;
        }
        if (tightest < GpuShare.WHOLE) {
            for (int n = 0; n < nodes.size(); n++) {
                for (int g = 0; g < gpuType[n].length; g++) {
                    if (free[first[n] + g] == tightest && !held[first[n] + g] && matches(n, g, type)) {
                        return Optional.of(List.of(new GpuShare(nodes.get(n).name(), g, job.gpuMillis())));
                    }
                }
            }
        }
        int[] anyWholeFree = wholeFree[typeIndex.size()];
        int bestNode = -1;
        for (int n = 0; n < nodes.size(); n++) {
            if (wholeFree[type][n] > 0 && (bestNode < 0 || anyWholeFree[n] < anyWholeFree[bestNode])) {
                bestNode = n;
            }
        }
        if (bestNode < 0) {
            return Optional.empty();
        }
        for (int g = 0; g < gpuType[bestNode].length; g++) {
            if (usable(bestNode, g, type, Set.of())) {
                return Optional.of(List.of(new GpuShare(nodes.get(bestNode).name(), g, job.gpuMillis())));
            }
        }
        throw new IllegalStateException("whole-free GPU count out of step on node " + nodes.get(bestNode).name());
    }

    private Optional<List<GpuShare>> placeWhole(JobRequest job, int type, Set<Long> excluded) {
        int perNode = job.wholeGpusPerNode();
        if (job.nodes() == 1) {
            return placeOnOneNode(perNode, type, excluded);
        }
        // Candidate nodes: enough whole, matching, not excluded GPUs. Each entry: node index -> usable GPUs.
        Map<Integer, List<Integer>> usable = new LinkedHashMap<>();
        for (int n = 0; n < nodes.size(); n++) {
            if (wholeFree[type][n] < perNode) {
                continue;
            }
            List<Gpu> gpus = nodes.get(n).gpus();
            List<Integer> indices = new ArrayList<>();
            for (int g = 0; g < gpus.size(); g++) {
                if (usable(n, g, type, excluded)) {
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

    /** The common case without allocating per candidate: the tightest node (fewest usable GPUs, then name). */
    private Optional<List<GpuShare>> placeOnOneNode(int perNode, int type, Set<Long> excluded) {
        int bestNode = -1;
        int bestUsable = Integer.MAX_VALUE;
        if (excluded.isEmpty()) {
            // Usable GPUs are exactly the whole free ones of the type: the tightest count comes from the
            // histogram, and the first node in name order with that count is the answer.
            int[] counts = nodesWithWholeFree[type];
            int tightest = perNode;
            while (tightest < counts.length && counts[tightest] == 0) {
                tightest++;
            }
            if (tightest == counts.length) {
                return Optional.empty();
            }
            for (int n : byName) {
                if (wholeFree[type][n] == tightest) {
                    bestNode = n;
                    bestUsable = tightest;
                    break;
                }
            }
        } else {
            for (int n = 0; n < nodes.size(); n++) {
                if (wholeFree[type][n] < perNode) {
                    continue;
                }
                int usable = 0;
                for (int g = 0; g < gpuType[n].length; g++) {
                    if (usable(n, g, type, excluded)) {
                        usable++;
                    }
                }
                if (usable >= perNode && (usable < bestUsable
                        || (usable == bestUsable && nameRank[n] < nameRank[bestNode]))) {
                    bestNode = n;
                    bestUsable = usable;
                }
            }
        }
        if (bestNode < 0) {
            return Optional.empty();
        }
        List<Integer> indices = new ArrayList<>(bestUsable);
        for (int g = 0; g < gpuType[bestNode].length; g++) {
            if (usable(bestNode, g, type, excluded)) {
                indices.add(g);
            }
        }
        List<GpuShare> allocation = new ArrayList<>(perNode);
        for (int g : chooseGpus(nodes.get(bestNode), indices, perNode)) {
            allocation.add(new GpuShare(nodes.get(bestNode).name(), g, GpuShare.WHOLE));
        }
        return Optional.of(allocation);
    }

    private boolean usable(int n, int g, int type, Set<Long> excluded) {
        return free[first[n] + g] == GpuShare.WHOLE && !held[first[n] + g] && matches(n, g, type)
                && !isExcluded(excluded, n, g);
    }

    /** One node: the tightest fit. Several: the tightest island that holds them all, else the tightest nodes. */
    private List<Integer> chooseNodes(Map<Integer, List<Integer>> usable, int count) {
        java.util.Comparator<Integer> tightest = java.util.Comparator.<Integer>comparingInt(n -> usable.get(n).size())
                .thenComparingInt(n -> nameRank[n]);
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

    private boolean matches(int node, int gpu, int type) {
        return type == typeIndex.size() || gpuType[node][gpu] == type;
    }

    private static boolean isExcluded(Set<Long> excluded, int node, int gpu) {
        return !excluded.isEmpty() && excluded.contains(key(node, gpu));
    }

    /**
     * The GPU types an allocation holds on schedulable nodes, one bit per type index (all bits beyond 63 types):
     * a victim can only help a job whose {@link #typeBit} it shares.
     */
    long typeMask(List<GpuShare> allocation) {
        long mask = 0;
        for (GpuShare share : allocation) {
            Integer n = indexByName.get(share.node());
            if (n != null && share.index() < gpuType[n].length) {
                mask |= typeBit(gpuType[n][share.index()]);
            }
        }
        return mask;
    }

    /** The bit of a type index in {@link #typeMask}; for any type, every bit. */
    long typeBit(int type) {
        return type < 0 ? 0 : type == typeIndex.size() || type >= 63 ? -1L : 1L << type;
    }

    long key(String node, int gpu) {
        Integer n = indexByName.get(node);
        return n == null ? -1 : key(n, gpu);
    }

    private static long key(int node, int gpu) {
        return ((long) node << 16) | gpu;
    }
}
