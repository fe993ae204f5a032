package dev.incubator.server.console;

import java.util.List;
import java.util.Locale;

/**
 * Charts drawn on the server as SVG (no script, no library): a line over points, with its axes' ranges and ticks,
 * labelled for screen readers. Colours come from the stylesheet (classes {@code chart-line}, {@code chart-area}).
 */
final class Charts {
    static final int WIDTH = 640;
    static final int HEIGHT = 220;
    private static final int LEFT = 56;
    private static final int RIGHT = 12;
    private static final int TOP = 12;
    private static final int BOTTOM = 30;
    private static final int TICKS = 4;

    /** One point of a series. */
    record Point(double x, double y) {
    }

    private Charts() {
    }

    /**
     * A line chart of {@code points} (in x order); {@code label} names it for assistive technology, {@code xLabel}
     * names the x axis. {@code area} fills under the line (for utilisation). An empty series draws an empty frame.
     */
    static String line(String label, String xLabel, List<Point> points, boolean area, boolean fromZero) {
        double[] xs = nice(points.stream().mapToDouble(Point::x).min().orElse(0),
                points.stream().mapToDouble(Point::x).max().orElse(1));
        double[] ys = nice(fromZero ? Math.min(0, points.stream().mapToDouble(Point::y).min().orElse(0))
                : points.stream().mapToDouble(Point::y).min().orElse(0), points.stream().mapToDouble(Point::y).max()
                .orElse(1));
        double minX = xs[0];
        double maxX = xs[1];
        double minY = ys[0];
        double maxY = ys[1];
        double plotWidth = WIDTH - LEFT - RIGHT;
        double plotHeight = HEIGHT - TOP - BOTTOM;
        StringBuilder svg = new StringBuilder();
        svg.append("<svg class=\"chart\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(HEIGHT)
                .append("\" role=\"img\" aria-label=\"").append(escape(label)).append("\"><title>")
                .append(escape(label)).append("</title>");
        for (double value = minY; value <= maxY + ys[2] / 2; value += ys[2]) {
            double y = TOP + plotHeight - plotHeight * (value - minY) / (maxY - minY);
            svg.append("<line class=\"chart-grid\" x1=\"").append(LEFT).append("\" x2=\"").append(WIDTH - RIGHT)
                    .append("\" y1=\"").append(fmt(y)).append("\" y2=\"").append(fmt(y)).append("\"/>");
            svg.append("<text class=\"chart-tick\" x=\"").append(LEFT - 6).append("\" y=\"").append(fmt(y + 4))
                    .append("\" text-anchor=\"end\">").append(escape(tick(value, ys[2]))).append("</text>");
        }
        for (double value = minX; value <= maxX + xs[2] / 2; value += xs[2]) {
            double x = LEFT + plotWidth * (value - minX) / (maxX - minX);
            svg.append("<text class=\"chart-tick\" x=\"").append(fmt(x)).append("\" y=\"").append(HEIGHT - BOTTOM + 16)
                    .append("\" text-anchor=\"middle\">").append(escape(tick(value, xs[2]))).append("</text>");
        }
        svg.append("<text class=\"chart-axis\" x=\"").append(WIDTH - RIGHT).append("\" y=\"").append(HEIGHT - 2)
                .append("\" text-anchor=\"end\">").append(escape(xLabel)).append("</text>");
        if (!points.isEmpty()) {
            StringBuilder path = new StringBuilder();
            for (Point point : points) {
                double x = LEFT + plotWidth * (point.x() - minX) / (maxX - minX);
                double y = TOP + plotHeight - plotHeight * (point.y() - minY) / (maxY - minY);
                path.append(path.isEmpty() ? "" : " ").append(fmt(x)).append(',').append(fmt(y));
            }
            if (area) {
                double firstX = LEFT + plotWidth * (points.get(0).x() - minX) / (maxX - minX);
                double lastX = LEFT + plotWidth * (points.get(points.size() - 1).x() - minX) / (maxX - minX);
                double base = TOP + plotHeight - plotHeight * (Math.max(minY, 0) - minY) / (maxY - minY);
                svg.append("<polygon class=\"chart-area\" points=\"").append(fmt(firstX)).append(',').append(fmt(base))
                        .append(' ').append(path).append(' ').append(fmt(lastX)).append(',').append(fmt(base))
                        .append("\"/>");
            }
            svg.append("<polyline class=\"chart-line\" fill=\"none\" points=\"").append(path).append("\"/>");
            if (points.size() == 1) {
                String[] only = path.toString().split(",");
                svg.append("<circle class=\"chart-dot\" r=\"4\" cx=\"").append(only[0]).append("\" cy=\"")
                        .append(only[1]).append("\"/>");
            }
        }
        return svg.append("</svg>").toString();
    }

    /**
     * An axis over [low, high] with "nice" ticks (1, 2 or 5 times a power of ten, about {@value #TICKS} of them):
     * {start, end, step}, the start and end on ticks.
     */
    static double[] nice(double low, double high) {
        if (!(high > low)) {
            double pad = low == 0 ? 1 : Math.abs(low) * 0.1;
            low -= pad;
            high += pad;
        }
        double rough = (high - low) / TICKS;
        double power = Math.pow(10, Math.floor(Math.log10(rough)));
        double fraction = rough / power;
        double step = (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
        return new double[] {Math.floor(low / step + 1e-9) * step + 0.0, Math.ceil(high / step - 1e-9) * step + 0.0,
                step};
    }

    /** A tick's label: as many decimals as its step needs. */
    static String tick(double value, double step) {
        int decimals = Math.max(0, (int) -Math.floor(Math.log10(step) + 1e-9));
        if (Math.abs(value) < step / 2) {
            value = 0;
        }
        if (Math.abs(value) >= 1e6 || (step < 1e-4 && value != 0)) {
            return String.format(Locale.ROOT, "%.2e", value);
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    /** A number as a tick shows it: at most four significant digits, no exponent for everyday sizes. */
    static String number(double value) {
        double magnitude = Math.abs(value);
        if (magnitude == 0) {
            return "0";
        }
        if (magnitude >= 1e6 || magnitude < 1e-3) {
            return String.format(Locale.ROOT, "%.2e", value);
        }
        if (magnitude >= 100) {
            return String.format(Locale.ROOT, "%.0f", value);
        }
        String text = String.format(Locale.ROOT, magnitude >= 10 ? "%.1f" : magnitude >= 1 ? "%.2f" : "%.3f", value);
        return text.contains(".") ? text.replaceAll("0+$", "").replaceAll("\\.$", "") : text;
    }

    private static String fmt(double value) {
        return String.format(Locale.ROOT, "%.1f", value);
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
