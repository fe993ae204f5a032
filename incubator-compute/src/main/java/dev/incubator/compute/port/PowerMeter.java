package dev.incubator.compute.port;

import java.util.Map;

/** Reads the current power draw of this machine's GPUs, by GPU index; empty where it cannot be measured. */
@FunctionalInterface
public interface PowerMeter {
    PowerMeter NONE = () -> Map.of();

    Map<Integer, Double> wattsByGpu();
}
