package dev.incubator.compute;

import java.util.Locale;
import java.util.Map;

/**
 * Energy of GPU work. Without measured power (nvidia-smi power.draw), energy is estimated from the GPU model's
 * rated board power, and always labelled as an estimate. CO2e uses a grid emission factor in kg per kWh
 * (default 0.5703: China's national average grid factor for 2022).
 */
public final class EnergyModel {
    public static final double DEFAULT_GRID_FACTOR = 0.5703;
    /** Rated board power in watts by GPU model family; unknown models (and virtual GPUs) count 300 W. */
    private static final Map<String, Integer> RATED_WATTS = Map.of("a100", 400, "h100", 700, "h800", 700,
            "h200", 700, "a800", 400, "v100", 300, "a10", 150, "l4", 72, "t4", 70, "l40s", 350);
    private static final int FALLBACK_WATTS = 300;

    private final double gridFactorKgPerKwh;

    public EnergyModel(double gridFactorKgPerKwh) {
        if (gridFactorKgPerKwh < 0) {
            throw new IllegalArgumentException("the grid factor must not be negative");
        }
        this.gridFactorKgPerKwh = gridFactorKgPerKwh;
    }

    public double gridFactor() {
        return gridFactorKgPerKwh;
    }

    public static int ratedWatts(String gpuType) {
        String type = gpuType.toLowerCase(Locale.ROOT);
        // The longest matching family wins, so "a100" is not read as "a10".
        return RATED_WATTS.entrySet().stream().filter(entry -> type.contains(entry.getKey()))
                .max(java.util.Comparator.comparingInt(entry -> entry.getKey().length()))
                .map(Map.Entry::getValue).orElse(FALLBACK_WATTS);
    }

    /** Estimated watt-hours of {@code gpuMilliseconds} (GPUs times milliseconds) on {@code gpuType}. */
    public static double estimateWattHours(String gpuType, long gpuMilliseconds) {
        return ratedWatts(gpuType) * gpuMilliseconds / 3_600_000.0;
    }

    public double co2eKg(double wattHours) {
        return wattHours / 1000.0 * gridFactorKgPerKwh;
    }
}
