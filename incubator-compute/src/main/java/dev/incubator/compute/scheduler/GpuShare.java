package dev.incubator.compute.scheduler;

import static java.util.Objects.requireNonNull;

/** Part of one GPU held by a job: {@code millis} thousandths of it (1000 is the whole GPU). */
public record GpuShare(String node, int index, int millis) {
    public static final int WHOLE = 1000;

    public GpuShare {
        requireNonNull(node, "node is null");
        if (millis < 1 || millis > WHOLE) {
            throw new IllegalArgumentException("a GPU share is 1-1000 thousandths, not " + millis);
        }
    }
}
