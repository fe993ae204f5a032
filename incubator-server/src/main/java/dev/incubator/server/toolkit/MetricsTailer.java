package dev.incubator.server.toolkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.incubator.compute.Job;
import dev.incubator.compute.port.JobDirectory;
import dev.incubator.toolkit.metrics.RunTracking;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tails each running job's metrics file ({@code $INCUBATOR_METRICS}) into run tracking: every complete line from
 * where the last read stopped, the new offset stored with the points (so a restart neither loses nor repeats a
 * line). A line is {@code {"step": 10, "loss": 2.3, ...}} (any number of values), {@code {"step": 10, "name":
 * "loss", "value": 2.3}}, or {@code {"params": {...}}}; anything else is counted as ignored. At most
 * {@link #MAX_READ} bytes are read per pass and {@link #MAX_LINE} per line, so no job can make the service hold
 * much of its file.
 */
public final class MetricsTailer {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsTailer.class);
    static final int MAX_READ = 1024 * 1024;
    static final int MAX_LINE = 64 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RunTracking tracking;
    private final Function<Job, Path> directory;
    /** How far each job's file was read, as last stored: an unchanged file costs no query of the store. */
    private final Map<String, Long> read = new java.util.concurrent.ConcurrentHashMap<>();

    public MetricsTailer(RunTracking tracking, Function<Job, Path> directory) {
        this.tracking = tracking;
        this.directory = directory;
    }

    /** Reads what the job's file gained since the last pass; returns how many points were stored. */
    public int tail(Job job) {
        Path file = directory.apply(job).resolve(JobDirectory.METRICS);
        try {
            var attributes = Files.readAttributes(file, "unix:mode,nlink,size", LinkOption.NOFOLLOW_LINKS);
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || ((Number) attributes.get("nlink")).intValue()
                    != 1) {
                return 0; // never through a link: only the plain file the executor made
            }
            long size = ((Number) attributes.get("size")).longValue();
            Long known = read.get(job.id());
            if (known != null && size <= known) {
                return 0;
            }
            long offset = tracking.tally(job.id()).fileOffset();
            read.put(job.id(), offset);
            if (size <= offset) {
                return 0;
            }
            byte[] chunk;
            try (SeekableByteChannel channel = Files.newByteChannel(file, java.util.Set.of(StandardOpenOption.READ,
                    LinkOption.NOFOLLOW_LINKS))) {
                channel.position(offset);
                ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(MAX_READ, size - offset));
                while (buffer.hasRemaining() && channel.read(buffer) > 0) {
                    // read what is there
                }
                chunk = java.util.Arrays.copyOf(buffer.array(), buffer.position());
            }
            int consumed = 0;
            int ignored = 0;
            List<RunTracking.Report> reports = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < chunk.length; i++) {
                if (chunk[i] != '\n') {
                    continue;
                }
                if (i - start <= MAX_LINE) {
                    RunTracking.Report report = parse(new String(chunk, start, i - start, StandardCharsets.UTF_8));
                    if (report == null) {
                        ignored++;
                    } else {
                        reports.add(report);
                    }
                } else {
                    ignored++;
                }
                start = i + 1;
                consumed = start;
            }
            if (consumed == 0 && chunk.length == MAX_READ) {
                consumed = chunk.length; // one line longer than a pass reads: skip it
                ignored++;
            }
            if (consumed == 0) {
                return 0;
            }
            int stored = tracking.tailed(job.id(), reports, offset + consumed, ignored).stored();
            read.put(job.id(), offset + consumed);
            return stored;
        } catch (java.nio.file.NoSuchFileException e) {
            return 0;
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not read the metrics of job {}: {}", job.id(), e.toString());
            return 0;
        }
    }

    /** An attempt ended: its last lines are read, and the job is forgotten until it runs again. */
    public void ended(Job job) {
        tail(job);
        read.remove(job.id());
    }

    /** One line as a report, or null when it is not one. */
    static RunTracking.Report parse(String line) {
        String text = line.strip();
        if (text.isEmpty() || text.charAt(0) != '{') {
            return null;
        }
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (IOException e) {
            return null;
        }
        if (node == null || !node.isObject()) {
            return null;
        }
        Map<String, String> params = new LinkedHashMap<>();
        if (node.path("params").isObject()) {
            node.get("params").fields().forEachRemaining(entry -> params.put(entry.getKey(),
                    entry.getValue().isTextual() ? entry.getValue().asText() : entry.getValue().toString()));
        }
        List<RunTracking.Reported> values = new ArrayList<>();
        if (node.path("step").canConvertToLong() && node.path("step").isIntegralNumber()) {
            long step = node.get("step").asLong();
            if (node.path("name").isTextual() && node.path("value").isNumber()) {
                values.add(new RunTracking.Reported(step, node.get("name").asText(), node.get("value").asDouble()));
            } else {
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    var entry = it.next();
                    if (!entry.getKey().equals("step") && !entry.getKey().equals("params")
                            && entry.getValue().isNumber()) {
                        values.add(new RunTracking.Reported(step, entry.getKey(), entry.getValue().asDouble()));
                    }
                }
            }
        }
        if (values.isEmpty() && params.isEmpty()) {
            return null;
        }
        return new RunTracking.Report(values, params);
    }
}
