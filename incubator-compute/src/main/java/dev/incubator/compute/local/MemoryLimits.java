package dev.incubator.compute.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Memory limits of local jobs through a cgroup per job attempt: cgroup v2 where the memory controller is mounted and
 * writable, else the v1 memory hierarchy. A job's processes join its cgroup before the job's command runs, so
 * nothing it starts escapes the limit; a job over its limit is killed by the kernel and reported out of memory.
 */
public final class MemoryLimits {
    private final Isolation.Memory kind;
    private final Path parent;

    private MemoryLimits(Isolation.Memory kind, Path parent) {
        this.kind = kind;
        this.parent = parent;
    }

    /** The cgroup memory limits this machine allows, or none (then prlimit, where it exists, is the fallback). */
    public static Optional<MemoryLimits> detect(Path cgroupRoot) {
        Path unified = Files.isRegularFile(cgroupRoot.resolve("cgroup.controllers")) ? cgroupRoot
                : cgroupRoot.resolve("unified");
        try {
            if (Files.isRegularFile(unified.resolve("cgroup.controllers"))
                    && Files.readString(unified.resolve("cgroup.controllers")).contains("memory")) {
                Path parent = unified.resolve("incubator-jobs");
                Files.createDirectories(parent);
                write(unified.resolve("cgroup.subtree_control"), "+memory");
                write(parent.resolve("cgroup.subtree_control"), "+memory");
                MemoryLimits limits = new MemoryLimits(Isolation.Memory.CGROUP_V2, parent);
                if (limits.probe()) {
                    return Optional.of(limits);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not writable here: try the v1 hierarchy
        }
        Path v1 = cgroupRoot.resolve("memory");
        try {
            if (Files.isRegularFile(v1.resolve("memory.limit_in_bytes"))) {
                Path parent = v1.resolve("incubator-jobs");
                Files.createDirectories(parent);
                MemoryLimits limits = new MemoryLimits(Isolation.Memory.CGROUP_V1, parent);
                if (limits.probe()) {
                    return Optional.of(limits);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not writable either
        }
        return Optional.empty();
    }

    public Isolation.Memory kind() {
        return kind;
    }

    /** Whether a cgroup with a limit can be made and removed here. */
    private boolean probe() {
        try {
            Path procs = create("probe-" + ProcessHandle.current().pid(), 64);
            remove("probe-" + ProcessHandle.current().pid());
            return procs != null;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Makes the cgroup of one attempt with its limit; returns the file a process writes its pid to, to join it. */
    public Path create(String name, long memoryMib) throws IOException {
        Path group = parent.resolve(name);
        Files.createDirectories(group);
        String bytes = Long.toString(memoryMib * 1024 * 1024);
        if (kind == Isolation.Memory.CGROUP_V2) {
            write(group.resolve("memory.max"), bytes);
            if (Files.exists(group.resolve("memory.swap.max"))) {
                write(group.resolve("memory.swap.max"), "0");
            }
        } else {
            write(group.resolve("memory.limit_in_bytes"), bytes);
            if (Files.exists(group.resolve("memory.memsw.limit_in_bytes"))) {
                write(group.resolve("memory.memsw.limit_in_bytes"), bytes);
            }
        }
        return group.resolve("cgroup.procs");
    }

    /** Whether the kernel killed a process of the cgroup for going over its limit. */
    public boolean outOfMemory(String name) {
        Path group = parent.resolve(name);
        Path events = group.resolve(kind == Isolation.Memory.CGROUP_V2 ? "memory.events" : "memory.oom_control");
        try {
            for (String line : Files.readAllLines(events, StandardCharsets.UTF_8)) {
                List<String> fields = List.of(line.trim().split("\\s+"));
                if (fields.size() == 2 && fields.get(0).equals("oom_kill") && Long.parseLong(fields.get(1)) > 0) {
                    return true;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return false;
        }
        return false;
    }

    /** Removes the cgroup once its processes are gone; a cgroup still in use stays (and is retried later). */
    public void remove(String name) {
        try {
            Files.deleteIfExists(parent.resolve(name));
        } catch (IOException e) {
            // processes still in it, or already gone
        }
    }

    private static void write(Path file, String value) throws IOException {
        Files.writeString(file, value, StandardCharsets.UTF_8);
    }
}
