package dev.incubator.common;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * An amount of GPU time, held exactly in thousandths of a GPU-hour so that sums of ledger entries never
 * drift. May be negative (debits).
 */
public record GpuHours(long milli) implements Comparable<GpuHours> {
    public static final GpuHours ZERO = new GpuHours(0);
    /** Largest amount accepted from users: one billion GPU-hours. */
    public static final BigDecimal MAX = new BigDecimal("1000000000");

    public static GpuHours ofMilli(long milli) {
        return new GpuHours(milli);
    }

    /** Parses a decimal amount with at most three fractional digits. */
    public static GpuHours of(BigDecimal hours) {
        if (hours.abs().compareTo(MAX) > 0) {
            throw new IllegalArgumentException("must be at most " + MAX.toPlainString() + " GPU-hours in magnitude");
        }
        BigDecimal milli = hours.movePointRight(3);
        if (milli.stripTrailingZeros().scale() > 0) {
            throw new IllegalArgumentException("must have at most three decimal places");
        }
        return new GpuHours(milli.longValueExact());
    }

    public static GpuHours ofSeconds(double gpuSeconds) {
        return new GpuHours(Math.round(gpuSeconds / 3.6));
    }

    public GpuHours plus(GpuHours other) {
        return new GpuHours(Math.addExact(milli, other.milli));
    }

    public GpuHours minus(GpuHours other) {
        return new GpuHours(Math.subtractExact(milli, other.milli));
    }

    public GpuHours negate() {
        return new GpuHours(Math.negateExact(milli));
    }

    public boolean isPositive() {
        return milli > 0;
    }

    public BigDecimal toBigDecimal() {
        return BigDecimal.valueOf(milli, 3).setScale(3, RoundingMode.UNNECESSARY);
    }

    @Override
    public int compareTo(GpuHours other) {
        return Long.compare(milli, other.milli);
    }

    @Override
    public String toString() {
        return toBigDecimal().toPlainString();
    }
}
