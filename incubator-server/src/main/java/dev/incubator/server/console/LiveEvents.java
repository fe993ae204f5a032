package dev.incubator.server.console;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console's live parts as server-sent events: a stream ticks once a second, sends what changed, and ends when
 * what it follows is over, when the session ends or may no longer see it, when the browser leaves, or after a few
 * minutes (the browser's EventSource then reconnects, resuming from the last event id). Streams are bounded per
 * session and in all, so that open tabs cannot hold the server's threads.
 */
final class LiveEvents {
    private static final Logger LOG = LoggerFactory.getLogger(LiveEvents.class);
    static final Duration TICK = Duration.ofSeconds(1);
    static final Duration LIFETIME = Duration.ofMinutes(5);
    private static final Duration HEARTBEAT = Duration.ofSeconds(15);
    static final int PER_SESSION = 8;
    static final int IN_ALL = 512;

    private final Map<String, AtomicInteger> perSession = new ConcurrentHashMap<>();
    private final AtomicInteger inAll = new AtomicInteger();

    /** One stream's content: called each tick; sends its events and says whether what it follows is over. */
    @FunctionalInterface
    interface Source {
        /** Sends what changed since the last tick; true when the stream is finished (after its last events). */
        boolean tick(Events out) throws IOException;
    }

    /** Writes events in the text/event-stream format. */
    static final class Events {
        private final OutputStream out;
        private boolean wrote;

        Events(OutputStream out) {
            this.out = out;
        }

        /** One event: its name, its data (any text; each line becomes a data line), and an id to resume from. */
        void send(String name, String data, String id) throws IOException {
            StringBuilder event = new StringBuilder();
            if (id != null) {
                event.append("id: ").append(id).append('\n');
            }
            event.append("event: ").append(name).append('\n');
            for (String line : data.split("\r\n|\r|\n", -1)) {
                event.append("data: ").append(line).append('\n');
            }
            event.append('\n');
            out.write(event.toString().getBytes(StandardCharsets.UTF_8));
            wrote = true;
        }

        void comment(String text) throws IOException {
            out.write((": " + text + "\n\n").getBytes(StandardCharsets.UTF_8));
            wrote = true;
        }

        private boolean flushIfWritten() throws IOException {
            boolean any = wrote;
            if (wrote) {
                out.flush();
                wrote = false;
            }
            return any;
        }
    }

    /** Currently open streams, for the health page and tests. */
    int open() {
        return inAll.get();
    }

    /**
     * Serves one stream on {@code ctx}. {@code stillAllowed} is asked before every tick after the first: false (the
     * session ended, the caller may no longer see the thing) ends the stream at once.
     */
    void serve(Context ctx, String sessionId, BooleanSupplier stillAllowed, Source source) {
        AtomicInteger mine = perSession.computeIfAbsent(sessionId, id -> new AtomicInteger());
        if (mine.incrementAndGet() > PER_SESSION | inAll.incrementAndGet() > IN_ALL) {
            release(sessionId, mine);
            ctx.status(429).header("Retry-After", "30").contentType("text/plain; charset=utf-8")
                    .result("too many live streams open; close some of the console's tabs");
            return;
        }
        try {
            ctx.status(200);
            ctx.contentType("text/event-stream; charset=utf-8");
            ctx.header("Cache-Control", "no-store");
            ctx.header("X-Accel-Buffering", "no");
            ctx.header("X-Content-Type-Options", "nosniff");
            Events events = new Events(ctx.res().getOutputStream());
            events.out.write("retry: 2000\n\n".getBytes(StandardCharsets.UTF_8));
            events.out.flush();
            long start = System.nanoTime();
            long quietSince = start;
            while (true) {
                boolean finished = source.tick(events);
                long now = System.nanoTime();
                if (events.flushIfWritten()) {
                    quietSince = now;
                }
                if (finished || now - start > LIFETIME.toNanos()) {
                    return;
                }
                Thread.sleep(TICK.toMillis());
                if (!stillAllowed.getAsBoolean()) {
                    return;
                }
                if (System.nanoTime() - quietSince > HEARTBEAT.toNanos()) {
                    events.comment("still here"); // finds a browser that has gone away
                    events.flushIfWritten();
                    quietSince = System.nanoTime();
                }
            }
        } catch (IOException e) {
            LOG.debug("live stream of session {} ended by the client: {}", sessionId, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            release(sessionId, mine);
        }
    }

    private void release(String sessionId, AtomicInteger mine) {
        inAll.decrementAndGet();
        if (mine.decrementAndGet() <= 0) {
            perSession.remove(sessionId, mine);
        }
    }
}
