package dev.incubator.compute.local;

import dev.incubator.compute.port.PowerMeter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Power draw from {@code nvidia-smi --query-gpu=index,power.draw}; nothing where nvidia-smi is missing. */
public final class NvidiaSmiPowerMeter implements PowerMeter {
    @Override
    public Map<Integer, Double> wattsByGpu() {
        try {
            Process process = new ProcessBuilder("nvidia-smi", "--query-gpu=index,power.draw",
                    "--format=csv,noheader,nounits").redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
                return Map.of();
            }
            return parse(out);
        } catch (IOException e) {
            return Map.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Map.of();
        }
    }

    /** Parses lines such as {@code 0, 312.45}; "[N/A]" and malformed lines are skipped. */
    static Map<Integer, Double> parse(String csv) {
        Map<Integer, Double> watts = new HashMap<>();
        for (String line : csv.split("\n")) {
            String[] fields = line.split(",");
            if (fields.length != 2) {
                continue;
            }
            try {
                watts.put(Integer.parseInt(fields[0].trim()), Double.parseDouble(fields[1].trim()));
            } catch (NumberFormatException ignored) {
                // e.g. "[N/A]" on GPUs that do not report power
            }
        }
        return watts;
    }
}
