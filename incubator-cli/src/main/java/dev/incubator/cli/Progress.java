package dev.incubator.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A progress bar on stderr for long transfers: bytes done of total, rate and time left, redrawn at most five
 * times a second, and only on a terminal (scripts get the final summary alone).
 */
final class Progress {
    private final String label;
    private final long total;
    private final PrintStream err;
    private final boolean live;
    private final long started = System.nanoTime();
    private long done;
    private long lastDraw;

    Progress(String label, long total, PrintStream err, boolean live) {
        this.label = label;
        this.total = total;
        this.err = err;
        this.live = live;
    }

    static Progress onTerminal(String label, long total) {
        return new Progress(label, total, System.err, System.console() != null
                && !"dumb".equals(System.getenv("TERM")));
    }

    synchronized void add(long bytes) {
        done += bytes;
        long now = System.nanoTime();
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
        return System.nanoTime() - started;
    }

    private void draw(boolean last) {
        double seconds = Math.max(1e-3, (System.nanoTime() - started) / 1e9);
        double rate = done / seconds;
        int width = 28;
        int filled = total <= 0 ? width : (int) Math.min(width, width * done / total);
        String bar = "=".repeat(Math.max(0, filled - 1)) + (filled > 0 ? (last || filled == width ? "=" : ">") : "")
                + " ".repeat(width - filled);
        String eta = last || rate <= 0 || total <= done ? "" : "  ETA " + duration((long) ((total - done) / rate));
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
