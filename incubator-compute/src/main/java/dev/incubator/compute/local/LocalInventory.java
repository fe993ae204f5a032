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
        String host = hostName();
        int cpus = Runtime.getRuntime().availableProcessors();
        long memoryMib = Runtime.getRuntime().maxMemory() / (1024 * 1024);
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

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
