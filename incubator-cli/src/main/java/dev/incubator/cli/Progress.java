package dev.incubator.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A progress bar on stderr for long transfers: bytes done of total, rate and time left, redrawn at most five
 * times a second, and only on a terminal (scripts get the final summary alone). The rate is that of the last few
 * seconds, and no time left is guessed before two seconds of transfer: a start that is slow for a moment (a
 * connection opening, the first chunks hashed) would otherwise promise hours.
 */
final class Progress {
    /** The rate is measured over this window. */
    private static final long WINDOW_NANOS = 5_000_000_000L;
    private static final long FIRST_ETA_NANOS = 2_000_000_000L;

    private final String label;
    private final long total;
    private final PrintStream err;
    private final boolean live;
    private final java.util.function.LongSupplier clock;
    private final long started;
    /** (time, bytes done) samples of the last window, oldest first. */
    private final java.util.ArrayDeque<long[]> samples = new java.util.ArrayDeque<>();
    private long done;
    private long lastDraw;

    Progress(String label, long total, PrintStream err, boolean live) {
        this(label, total, err, live, System::nanoTime);
    }

    Progress(String label, long total, PrintStream err, boolean live, java.util.function.LongSupplier clock) {
        this.label = label;
        this.total = total;
        this.err = err;
        this.live = live;
        this.clock = clock;
        this.started = clock.getAsLong();
        samples.add(new long[] {started, 0});
    }

    static Progress onTerminal(String label, long total) {
        return new Progress(label, total, System.err, System.console() != null
                && !"dumb".equals(System.getenv("TERM")));
    }

    synchronized void add(long bytes) {
        done += bytes;
        long now = clock.getAsLong();
        samples.addLast(new long[] {now, done});
        while (samples.size() > 2 && now - samples.peekFirst()[0] > WINDOW_NANOS) {
            samples.removeFirst();
        }
        if (live && now - lastDraw > 200_000_000L) {
            lastDraw = now;
            draw(false);
        }
    }

    synchronized void finish() {
        if (live) {
            draw(true);
            err.println();
        }
    }

    long elapsedNanos() {
        return clock.getAsLong() - started;
    }

    /** Bytes a second over the last window. */
    synchronized double rate() {
        long[] first = samples.peekFirst();
        long now = clock.getAsLong();
        double seconds = Math.max(1e-3, (now - first[0]) / 1e9);
        return (done - first[1]) / seconds;
    }

    /** Seconds left at the recent rate; empty before two seconds of transfer or when nothing moves. */
    synchronized java.util.OptionalLong secondsLeft() {
        double rate = rate();
        if (clock.getAsLong() - started < FIRST_ETA_NANOS || rate <= 0 || total <= done) {
            return java.util.OptionalLong.empty();
        }
        return java.util.OptionalLong.of((long) Math.ceil((total - done) / rate));
    }

    private void draw(boolean last) {
        double rate = last ? done / Math.max(1e-3, (clock.getAsLong() - started) / 1e9) : rate();
        int width = 28;
        int filled = total <= 0 ? width : (int) Math.min(width, width * done / total);
        String bar = "=".repeat(Math.max(0, filled - 1)) + (filled > 0 ? (last || filled == width ? "=" : ">") : "")
                + " ".repeat(width - filled);
        java.util.OptionalLong left = last ? java.util.OptionalLong.empty() : secondsLeft();
        String eta = left.isPresent() ? "  ETA " + duration(left.getAsLong()) : "";
        err.print(String.format(Locale.ROOT, "\r%s [%s] %s / %s  %s/s%s   ", label, bar, bytes(done), bytes(total),
                bytes((long) rate), eta));
        err.flush();
    }

    static String bytes(long value) {
        return dev.incubator.common.ByteSize.format(value);
    }

    static String duration(long seconds) {
        return seconds >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, seconds % 3600 / 60)
                : seconds >= 60 ? String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60) : seconds + "s";
    }
}
