package dev.incubator.bench;

import dev.incubator.server.IncubatorServer;
import dev.incubator.server.config.ServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Another tenant's latency while one tenant abuses the service: tenant B's authenticated reads (p50, p99) alone,
 * then during each attack by a member of tenant A: oversized JSON commits (300 MB declared, and streamed without a
 * length), a flood of large LFS uploads, and slow-body connections that trickle a byte a second.
 *
 * <pre>
 * ./bench AbuseBench [--seconds 10] [--rounds 3]
 * </pre>
 */
public final class AbuseBench {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    public static void main(String[] args) throws Exception {
        BenchOptions options = BenchOptions.parse("AbuseBench", args, BenchOptions.defaults("--seconds", "10",
                "--rounds", "3"));
        new AbuseBench().run(options.integer("--seconds"), options.integer("--rounds"));
    }

    private record Latency(double p50, double p99, long requests, long errors) {
    }

    private void run(int seconds, int rounds) throws Exception {
        Path dataDir = Files.createTempDirectory("incubator-abuse");
        ServerConfig config = ServerConfig.load(java.util.Optional.empty(), Map.of(), Map.of("data-dir",
                dataDir.toString(), "server.port", "0", "server.access-log", "false"));
        try (IncubatorServer server = IncubatorServer.start(config)) {
            URI base = server.url();
            String operator = Files.readString(dataDir.resolve("bootstrap-token")).strip();
            for (String org : List.of("alpha", "beta")) {
                send(base, operator, "POST", "/api/v1/orgs", "{\"name\":\"" + org + "\",\"display_name\":\"" + org
                        + "\",\"kind\":\"lab\"}");
                send(base, operator, "POST", "/api/v1/users", "{\"name\":\"u-" + org + "\",\"display_name\":\"U\","
                        + "\"email\":\"u-" + org + "@example.org\"}");
                send(base, operator, "POST", "/api/v1/orgs/" + org + "/members", "{\"user\":\"u-" + org
                        + "\",\"role\":\"member\"}");
            }
            String attacker = token(base, operator, "u-alpha");
            String victim = token(base, operator, "u-beta");
            send(base, attacker, "POST", "/api/repos/create", "{\"name\":\"alpha/target\",\"private\":true}");

            Map<String, Runnable> attacks = new LinkedHashMap<>();
            attacks.put("none (baseline)", () -> { });
            attacks.put("300 MB JSON commits (declared length)", () -> oversizedCommit(base, attacker, true));
            attacks.put("300 MB JSON commits (streamed, no length)", () -> oversizedCommit(base, attacker, false));
            attacks.put("LFS upload flood (4 streams of 64 MiB uploads)", () -> lfsUpload(base, attacker));
            attacks.put("slow bodies (64 connections, 1 byte/s)", () -> slowBody(base, attacker));

            System.out.printf(Locale.ROOT, "Tenant beta's GET /api/v1/orgs/beta (4 client threads) while tenant alpha"
                    + " attacks; %d s per run, %d rounds, %d cores%n%n", seconds, rounds,
                    Runtime.getRuntime().availableProcessors());
            Map<String, List<Latency>> results = new LinkedHashMap<>();
            for (int round = 0; round < rounds; round++) {
                for (Map.Entry<String, Runnable> attack : attacks.entrySet()) {
                    results.computeIfAbsent(attack.getKey(), key -> new ArrayList<>())
                            .add(measure(base, victim, attack.getValue(), seconds));
                }
            }
            double baseline = median(results.get("none (baseline)").stream().mapToDouble(Latency::p99).toArray());
            System.out.println("| attack | victim p50 ms | victim p99 ms | p99 x baseline | victim errors |");
            System.out.println("|---|---:|---:|---:|---:|");
            results.forEach((name, runs) -> {
                double p99 = median(runs.stream().mapToDouble(Latency::p99).toArray());
                System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %d |%n", name,
                        median(runs.stream().mapToDouble(Latency::p50).toArray()), p99, p99 / baseline,
                        runs.stream().mapToLong(Latency::errors).sum());
            });
        }
    }

    /** The victim's reads for {@code seconds} while {@code attack} runs over and over on 4 threads. */
    private Latency measure(URI base, String victim, Runnable attack, int seconds) throws InterruptedException {
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> attackers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Thread thread = Thread.ofPlatform().daemon().start(() -> {
                while (running.get()) {
                    try {
                        attack.run();
                    } catch (RuntimeException e) {
                        // an attack that fails is still an attack
                    }
                    if (Thread.currentThread().isInterrupted()) {
                        return;
                    }
                }
            });
            attackers.add(thread);
        }
        Thread.sleep(1000);
        List<Long> samples = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicLong errors = new AtomicLong();
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            clients.add(Thread.ofPlatform().start(() -> {
                HttpRequest request = HttpRequest.newBuilder(base.resolve("/api/v1/orgs/beta"))
                        .header("Authorization", "Bearer " + victim).timeout(Duration.ofSeconds(30)).GET().build();
                while (System.nanoTime() < end) {
                    long start = System.nanoTime();
                    try {
                        HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
                        if (response.statusCode() != 200) {
                            errors.incrementAndGet();
                        }
                    } catch (IOException e) {
                        errors.incrementAndGet();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    samples.add(System.nanoTime() - start);
                }
            }));
        }
        for (Thread client : clients) {
            client.join();
        }
        running.set(false);
        attackers.forEach(Thread::interrupt);
        for (Thread thread : attackers) {
            thread.join(5000);
        }
        long[] sorted = samples.stream().mapToLong(Long::longValue).sorted().toArray();
        return new Latency(sorted[sorted.length / 2] / 1e6, sorted[(int) (sorted.length * 0.99)] / 1e6, sorted.length,
                errors.get());
    }

    private void oversizedCommit(URI base, String token, boolean declared) {
        long size = 300L * 1024 * 1024;
        HttpRequest.BodyPublisher body = declared
                ? HttpRequest.BodyPublishers.fromPublisher(zeros(size), size)
                : HttpRequest.BodyPublishers.fromPublisher(zeros(size));
        try {
            http.send(HttpRequest.newBuilder(base.resolve("/api/v1/repos/model/alpha/target/commits"))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .timeout(Duration.ofSeconds(60)).POST(body).build(), HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            // the server may close the connection on an oversized body
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A JSON string that never ends: '{"message":"' and then spaces. */
    private static java.util.concurrent.Flow.Publisher<java.nio.ByteBuffer> zeros(long size) {
        return HttpRequest.BodyPublishers.ofInputStream(() -> new InputStream() {
            private long left = size;
            private final byte[] head = "{\"message\":\"".getBytes(StandardCharsets.US_ASCII);

            @Override
            public int read() {
                return left-- > 0 ? ' ' : -1;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) {
                if (left <= 0) {
                    return -1;
                }
                int n = (int) Math.min(length, left);
                Arrays.fill(buffer, offset, offset + n, (byte) ' ');
                if (left == size) {
                    System.arraycopy(head, 0, buffer, offset, Math.min(head.length, n));
                }
                left -= n;
                return n;
            }
        });
    }

    private void lfsUpload(URI base, String token) {
        try {
            byte[] content = new byte[64 * 1024 * 1024];
            new java.util.Random().nextBytes(content);
            String oid = sha256(content);
            String batch = send(base, token, "POST", "/alpha/target.git/info/lfs/objects/batch",
                    "{\"operation\":\"upload\",\"objects\":[{\"oid\":\"" + oid + "\",\"size\":" + content.length + "}]}");
            String href = batch.replaceAll("(?s).*\"upload\":\\{\"href\":\"([^\"]+)\".*", "$1");
            http.send(HttpRequest.newBuilder(URI.create(href)).timeout(Duration.ofSeconds(120))
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(content)).build(), HttpResponse.BodyHandlers.discarding());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // keep attacking
        }
    }

    private void slowBody(URI base, String token) {
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < 16; i++) {
                Socket socket = new Socket(base.getHost(), base.getPort());
                OutputStream out = socket.getOutputStream();
                out.write(("POST /api/v1/repos/model/alpha/target/commits HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                        + token + "\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                sockets.add(socket);
            }
            for (int second = 0; second < 5 && !Thread.currentThread().isInterrupted(); second++) {
                Thread.sleep(1000);
                for (Socket socket : sockets) {
                    socket.getOutputStream().write(' ');
                    socket.getOutputStream().flush();
                }
            }
        } catch (IOException e) {
            // the server closed a slow connection: that is the defence working
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            for (Socket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing
                }
            }
        }
    }

    private String token(URI base, String operator, String user) throws Exception {
        String body = send(base, operator, "POST", "/api/v1/users/" + user + "/tokens",
                "{\"name\":\"bench\",\"scopes\":[\"read\",\"write\"]}");
        return body.replaceAll("(?s).*\"secret\":\"([^\"]+)\".*", "$1");
    }

    private String send(URI base, String token, String method, String path, String json) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(base.resolve(path))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException(method + " " + path + " -> " + response.statusCode() + " "
                    + response.body());
        }
        return response.body();
    }

    private static String sha256(byte[] data) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(data));
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
