package dev.incubator.compute.local;

import dev.incubator.compute.scheduler.Gpu;
import dev.incubator.compute.scheduler.Node;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** This machine as a one-node cluster: its GPUs from nvidia-smi, or a configured number of virtual GPUs. */
public final class LocalInventory {
    public static final String VIRTUAL_GPU_TYPE = "virtual";

    private LocalInventory() {
    }

    /** {@code virtualGpus} > 0 gives that many virtual GPUs; otherwise nvidia-smi's GPUs, or none. */
    public static Node discover(int virtualGpus) {
        return discover(virtualGpus, 0, 0);
    }

    /**
     * This machine with {@code cpus} CPUs offered to jobs (0: the machine's) and its memory less
     * {@code reservedMemoryMib} (what the service and the system keep).
     */
    public static Node discover(int virtualGpus, int cpusOffered, long reservedMemoryMib) {
        String host = hostName();
        int cpus = cpusOffered > 0 ? cpusOffered : Runtime.getRuntime().availableProcessors();
        long memoryMib = Math.max(1, machineMemoryMib() - reservedMemoryMib);
        if (virtualGpus > 0) {
            List<Gpu> gpus = new ArrayList<>();
            for (int i = 0; i < virtualGpus; i++) {
                gpus.add(new Gpu(i, VIRTUAL_GPU_TYPE, 0, "local"));
            }
            return new Node(host, gpus, cpus, memoryMib, true);
        }
        return new Node(host, nvidiaSmi(), cpus, memoryMib, true);
    }

    /** Parses {@code nvidia-smi --query-gpu=index,name,memory.total --format=csv,noheader,nounits}. */
    static List<Gpu> parse(String csv) {
        List<Gpu> gpus = new ArrayList<>();
        for (String line : csv.split("\n")) {
            String[] fields = line.split(",");
            if (fields.length < 3) {
                continue;
            }
            String name = fields[1].trim().toLowerCase(Locale.ROOT).replace("nvidia ", "").replaceAll("[^a-z0-9.]+", "-");
            gpus.add(new Gpu(Integer.parseInt(fields[0].trim()), name, Long.parseLong(fields[2].trim()), "local"));
        }
        return gpus;
    }

    private static List<Gpu> nvidiaSmi() {
        try {
            Process process = new ProcessBuilder("nvidia-smi", "--query-gpu=index,name,memory.total",
                    "--format=csv,noheader,nounits").redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
                return List.of();
            }
            return parse(out);
        } catch (IOException | NumberFormatException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    /** MemTotal of /proc/meminfo (the machine's memory), or the JVM's view of it where there is none. */
    static long machineMemoryMib() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux: fall through
        }
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory
                .getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean bean) {
            return bean.getTotalMemorySize() / (1024 * 1024);
        }
        return Runtime.getRuntime().maxMemory() / (1024 * 1024);
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
