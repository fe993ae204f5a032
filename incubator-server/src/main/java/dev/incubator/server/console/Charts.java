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
        double minX = points.stream().mapToDouble(Point::x).min().orElse(0);
        double maxX = points.stream().mapToDouble(Point::x).max().orElse(1);
        double minY = fromZero ? 0 : points.stream().mapToDouble(Point::y).min().orElse(0);
        double maxY = points.stream().mapToDouble(Point::y).max().orElse(1);
        if (maxX <= minX) {
            maxX = minX + 1;
        }
        if (maxY <= minY) {
            maxY = minY + (minY == 0 ? 1 : Math.abs(minY) * 0.1);
        }
        double plotWidth = WIDTH - LEFT - RIGHT;
        double plotHeight = HEIGHT - TOP - BOTTOM;
        StringBuilder svg = new StringBuilder();
        svg.append("<svg class=\"chart\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(HEIGHT)
                .append("\" role=\"img\" aria-label=\"").append(escape(label)).append("\"><title>")
                .append(escape(label)).append("</title>");
        for (int i = 0; i <= TICKS; i++) {
            double y = TOP + plotHeight - plotHeight * i / TICKS;
            double value = minY + (maxY - minY) * i / TICKS;
            svg.append("<line class=\"chart-grid\" x1=\"").append(LEFT).append("\" x2=\"").append(WIDTH - RIGHT)
                    .append("\" y1=\"").append(fmt(y)).append("\" y2=\"").append(fmt(y)).append("\"/>");
            svg.append("<text class=\"chart-tick\" x=\"").append(LEFT - 6).append("\" y=\"").append(fmt(y + 4))
                    .append("\" text-anchor=\"end\">").append(escape(number(value))).append("</text>");
        }
        for (int i = 0; i <= TICKS; i++) {
            double x = LEFT + plotWidth * i / TICKS;
            double value = minX + (maxX - minX) * i / TICKS;
            svg.append("<text class=\"chart-tick\" x=\"").append(fmt(x)).append("\" y=\"").append(HEIGHT - BOTTOM + 16)
                    .append("\" text-anchor=\"middle\">").append(escape(number(value))).append("</text>");
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
                double base = TOP + plotHeight;
                svg.append("<polygon class=\"chart-area\" points=\"").append(fmt(firstX)).append(',').append(fmt(base))
                        .append(' ').append(path).append(' ').append(fmt(lastX)).append(',').append(fmt(base))
                        .append("\"/>");
            }
            svg.append("<polyline class=\"chart-line\" fill=\"none\" points=\"").append(path).append("\"/>");
        }
        return svg.append("</svg>").toString();
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
