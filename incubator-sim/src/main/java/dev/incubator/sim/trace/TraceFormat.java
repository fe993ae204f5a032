package dev.incubator.sim.trace;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The trace formats the simulator reads, by the name used on the command line. */
public enum TraceFormat {
    /** The Helios slice in ../shared/traces/helios: '#' header (with per-VC pool sizes), microsecond submit times. */
    HELIOS("helios"),
    /** Helios' raw cluster_log.csv (SC'21): one row per job, date-time strings, a vc column. */
    HELIOS_RAW("helios-raw"),
    /** Acme's trace_seren.csv / trace_kalos.csv (NSDI'24): no tenant column, users become tenants. */
    ACME("acme"),
    /** Alibaba's openb pod list (ATC'23): fractional GPUs and GPU models; qos classes become tenants. */
    ALIBABA_OPENB("alibaba-openb"),
    /** A seeded synthetic trace with heavy-tailed durations and gang sizes. */
    SYNTHETIC("synthetic");

    private final String cliName;

    TraceFormat(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    public static TraceFormat fromCliName(String name) {
        return Arrays.stream(values()).filter(format -> format.cliName.equals(name.toLowerCase(Locale.ROOT)))
                .findFirst().orElseThrow(() -> new IllegalArgumentException("unknown trace format '" + name
                        + "'; use one of " + Arrays.stream(values()).map(TraceFormat::cliName)
                        .collect(Collectors.joining(", "))));
    }
}
