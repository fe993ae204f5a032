package dev.incubator.server.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ChartsTest {
    @Test
    void axesEndOnNiceTicksWhosePrecisionFollowsTheirStep() {
        assertThat(Charts.nice(0.000304, 0.003)).containsExactly(new double[] {0.0, 0.003, 0.001},
                org.assertj.core.data.Offset.offset(1e-12));
        assertThat(Charts.nice(10, 60)).containsExactly(0.0, 60.0, 20.0);
        assertThat(Charts.nice(-355, 0)).containsExactly(-400.0, 0.0, 100.0);
        assertThat(Charts.tick(0.002, 0.001)).isEqualTo("0.002");
        assertThat(Charts.tick(2.5, 0.5)).isEqualTo("2.5");
        assertThat(Charts.tick(20986, 5000)).isEqualTo("20986");
        assertThat(Charts.tick(1e-17, 0.1)).as("rounding noise at zero").isEqualTo("0.0");
    }

    @Test
    void aChartIsLabelledEscapedAndDrawsEveryPoint() {
        String svg = Charts.line("loss <of> \"run\" & co", "step", List.of(new Charts.Point(10, 5), new Charts.Point(20,
                2.5), new Charts.Point(30, 1.7)), false, false);
        assertThat(svg).startsWith("<svg class=\"chart\"").contains("role=\"img\"",
                "aria-label=\"loss &lt;of&gt; &quot;run&quot; &amp; co\"", "<title>loss &lt;of&gt;")
                .doesNotContain("<of>");
        String polyline = svg.substring(svg.indexOf("<polyline"));
        assertThat(polyline.substring(polyline.indexOf("points=\"") + 8, polyline.indexOf("\"/>")).split(" "))
                .hasSize(3);
        assertThat(Charts.line("one", "step", List.of(new Charts.Point(1, 1)), false, false)).contains("<circle");
        assertThat(Charts.line("none", "step", List.of(), true, true)).doesNotContain("<polyline");
    }
}
