package dev.incubator.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** What an operator sees of the scheduler: Prometheus series in /metrics and a log line per job start and end. */
class OperationsTest {
    @TempDir
    Path dataDir;

    private TestServer server;
    private final ListAppender<ILoggingEvent> jobLog = new ListAppender<>();

    @BeforeEach
    void start() {
        Logger logger = (Logger) LoggerFactory.getLogger("dev.incubator.jobs");
        jobLog.start();
        logger.addAppender(jobLog);
        server = TestServer.start(dataDir);
        server.createOrg("lab");
        server.post("/api/v1/orgs/lab/grants").token(server.operatorToken()).json(Map.of("programme", "seed",
                "gpu_hours", Map.of("any", 100), "starts_on", "2020-01-01", "ends_on", "2099-12-31")).expect(201);
    }

    @AfterEach
    void stop() {
        server.close();
        ((Logger) LoggerFactory.getLogger("dev.incubator.jobs")).detachAppender(jobLog);
    }

    private String metrics() {
        return server.get("/metrics").send().text();
    }

    @Test
    void theSchedulersQueueGpusAndJobLifecycleAreInMetricsAndTheLog() {
        String ok = server.post("/api/v1/orgs/lab/jobs").token(server.operatorToken()).json(Map.of("name", "fine",
                "command", List.of("true"), "gpus_per_node", 1)).expect(201).path("id").asText();
        String bad = server.post("/api/v1/orgs/lab/jobs").token(server.operatorToken()).json(Map.of("name", "broken",
                "command", List.of("bash", "-c", "exit 3"), "gpus_per_node", 0.5)).expect(201).path("id").asText();
        await().atMost(Duration.ofSeconds(30)).until(() -> metrics().contains(
                "incubator_jobs_ended_total{state=\"failed\"} 1.0")
                && metrics().contains("incubator_jobs_ended_total{state=\"succeeded\"} 1.0"));
        String metrics = metrics();
        assertThat(metrics).contains("incubator_jobs_started_total 2.0").contains("incubator_cluster_gpus 4.0")
                .contains("incubator_jobs_pending 0.0").contains("incubator_jobs_running 0.0")
                .contains("incubator_cluster_gpus_allocated 0.0").contains("incubator_scheduler_cycle_seconds_count")
                .contains("incubator_jobs_preemptions_total 0.0");
        await().atMost(Duration.ofSeconds(10)).until(() -> metrics().lines().anyMatch(line -> line.startsWith(
                "incubator_grant_balance_gpu_hours{") && line.contains("organisation=\"lab\"")
                && line.contains("programme=\"seed\"")));
        assertThat(metrics().lines().filter(line -> line.startsWith("incubator_grant_used_ratio{")))
                .singleElement().satisfies(line -> assertThat(Double.parseDouble(line.substring(line.lastIndexOf(' ')
                        + 1))).isBetween(0.0, 1.0));
        List<String> lines = jobLog.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("job " + ok + " started: 'fine' of lab by")
                .contains("1 GPU(s)"));
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("job " + bad + " started").contains("0.50 GPU(s)"));
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("job " + ok + " succeeded: 'fine' of lab"));
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("job " + bad + " failed: 'broken' of lab")
                .contains("exit code 3"));
    }
}
