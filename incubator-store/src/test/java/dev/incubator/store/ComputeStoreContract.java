package dev.incubator.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.incubator.common.ErrorCode;
import dev.incubator.common.IncubatorException;
import dev.incubator.common.PageRequest;
import dev.incubator.compute.Job;
import dev.incubator.compute.JobSpec;
import dev.incubator.compute.JobState;
import dev.incubator.compute.PriorityClass;
import dev.incubator.compute.UsageRecord;
import dev.incubator.compute.scheduler.GpuShare;
import dev.incubator.tenancy.Organisation;
import dev.incubator.common.access.Roles.OrgKind;
import dev.incubator.tenancy.TenancyService.NewOrganisation;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The job and usage repositories: same scenarios on SQLite and PostgreSQL. */
public abstract class ComputeStoreContract extends TenancyStoreContract {
    private JdbiComputeStore compute;
    private Organisation org;

    @BeforeEach
    void openCompute() {
        compute = new JdbiComputeStore(database);
        org = tenancy.createOrganisation(operator, new NewOrganisation("gpu-lab", "GPU lab", OrgKind.LAB, Optional.empty()));
    }

    @Test
    void aJobRoundTripsWithEveryFieldAndKeepsItsQueueOrder() {
        Job first = newJob();
        Job second = newJob();
        assertThat(second.submitOrder()).isGreaterThan(first.submitOrder());
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Job running = first.toBuilder().state(JobState.ADMITTED)
                .admitted(List.of(new GpuShare("n1", 0, 1000), new GpuShare("n1", 1, 250)), true)
                .build().toBuilder().state(JobState.RUNNING).started(now, 4242, now, now.toEpochMilli())
                .metered(1234, now.toEpochMilli()).build();
        compute.write(r -> {
            r.jobs().update(first.toBuilder().state(JobState.ADMITTED)
                    .admitted(List.of(new GpuShare("n1", 0, 1000), new GpuShare("n1", 1, 250)), true).build());
            return null;
        });
        compute.write(r -> {
            r.jobs().update(running);
            return null;
        });
        Job stored = compute.read(r -> r.jobs().find(first.id())).orElseThrow();
        assertThat(stored).isEqualTo(running);

        // A job without GPUs keeps the hosts it was placed on.
        Job cpuOnly = second.toBuilder().state(JobState.ADMITTED).admitted(List.of(), List.of("n2"), false).build();
        compute.write(r -> {
            r.jobs().update(cpuOnly);
            return null;
        });
        assertThat(compute.read(r -> r.jobs().find(second.id())).orElseThrow().hosts()).containsExactly("n2");
        List<Job> active = compute.read(r -> r.jobs().listActive());
        assertThat(active).extracting(Job::id).containsExactly(first.id(), second.id());
        assertThat(compute.read(r -> r.jobs().listByOrg(org.id().value(), dev.incubator.compute.JobQuery.inState(
                JobState.RUNNING), PageRequest.first(10))).items()).extracting(Job::id).containsExactly(first.id());
        // Ids sort by their millisecond of creation: newest first is descending id order.
        List<String> newestFirst = java.util.stream.Stream.of(first.id(), second.id())
                .sorted(java.util.Comparator.reverseOrder()).toList();
        assertThat(compute.read(r -> r.jobs().listByOrg(org.id().value(), dev.incubator.compute.JobQuery.ALL,
                PageRequest.first(10))).items()).extracting(Job::id).as("newest first")
                .containsExactlyElementsOf(newestFirst);
        assertThat(compute.read(r -> r.jobs().listByOrg(org.id().value(), new dev.incubator.compute.JobQuery(
                Optional.empty(), Optional.of("nobody"), Optional.empty()), PageRequest.first(10))).items())
                .isEmpty();
        var firstPage = compute.read(r -> r.jobs().listByOrg(org.id().value(), dev.incubator.compute.JobQuery.ALL,
                PageRequest.first(1)));
        assertThat(firstPage.items()).extracting(Job::id).containsExactly(newestFirst.get(0));
        assertThat(compute.read(r -> r.jobs().listByOrg(org.id().value(), dev.incubator.compute.JobQuery.ALL,
                PageRequest.parse("1", firstPage.nextCursor().orElseThrow()))).items()).extracting(Job::id)
                .containsExactly(newestFirst.get(1));
    }

    @Test
    void recentlyFinishedJobsThatRanComeNewestFirst() {
        Instant start = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Job older = finish(newJob(), start, start.plusSeconds(60), JobState.SUCCEEDED);
        Job newer = finish(newJob(), start, start.plusSeconds(120), JobState.FAILED);
        Job neverRan = newJob();
        compute.write(r -> {
            r.jobs().update(neverRan.toBuilder().state(JobState.CANCELLED).finished(start, Optional.empty()).build());
            return null;
        });
        newJob(); // still pending
        List<Job> recent = compute.read(r -> r.jobs().listRecentlyFinished(10));
        assertThat(recent).extracting(Job::id).containsExactly(newer.id(), older.id());
        List<Job> latest = compute.read(r -> r.jobs().listRecentlyFinished(1));
        assertThat(latest).extracting(Job::id).containsExactly(newer.id());
    }

    private Job finish(Job job, Instant started, Instant finished, JobState end) {
        Job admitted = job.toBuilder().state(JobState.ADMITTED).admitted(List.of(new GpuShare("n1", 0, 1000)), false)
                .build();
        Job running = admitted.toBuilder().state(JobState.RUNNING).started(started, 1, started, started.toEpochMilli())
                .build();
        Job done = running.toBuilder().state(end).finished(finished, Optional.of(0)).build();
        for (Job step : List.of(admitted, running, done)) {
            compute.write(r -> {
                r.jobs().update(step);
                return null;
            });
        }
        return done;
    }

    @Test
    void aStaleJobUpdateIsRefused() {
        Job job = newJob();
        Job cancelled = job.toBuilder().state(JobState.CANCELLED).build();
        compute.write(r -> {
            r.jobs().update(cancelled);
            return null;
        });
        assertThatThrownBy(() -> compute.write(r -> {
            r.jobs().update(job.toBuilder().state(JobState.ADMITTED).build());
            return null;
        })).isInstanceOfSatisfying(IncubatorException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.VERSION_MISMATCH));
    }

    @Test
    void usageRecordsAreReadBackByOrganisationAndTime() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        UsageRecord old = new UsageRecord("job_a", org.id().value(), "a", now.minus(Duration.ofDays(2)), "a100", 10, 1.5, true);
        UsageRecord recent = new UsageRecord("job_b", org.id().value(), "b", now, "h100", 20, 2.5, true);
        compute.write(r -> {
            r.usage().append(old);
            r.usage().append(recent);
            return null;
        });
        List<UsageRecord> lastDay = compute.read(r -> r.usage().since(org.id().value(), now.minus(Duration.ofDays(1))));
        List<UsageRecord> other = compute.read(r -> r.usage().since("org_other", Instant.EPOCH));
        assertThat(lastDay).containsExactly(recent);
        assertThat(other).isEmpty();
    }

    private Job newJob() {
        JobSpec spec = new JobSpec("train", List.of("python", "train.py"), Map.of("SEED", "1"), 1, 2000,
                Optional.of("a100"), 4, 1024, Duration.ofHours(2), PriorityClass.HIGH, Optional.of("USR1"),
                Duration.ofSeconds(45), 2, List.of("datasets/lab/corpus@v1"),
                List.of(new JobSpec.Dependency(JobSpec.DependencyKind.AFTER_OK, "job_01m8abcdefghjkmnpqrstvwxyz")),
                Optional.of(new JobSpec.ArrayTask("job_01m8abcdefghjkmnpqrstvwxy0", 7, 10)),
                Optional.of(new JobSpec.Warning("USR2", Duration.ofSeconds(90))),
                Optional.of("datasets/lab/job-code@0123456789abcdef0123456789abcdef01234567"));
        return compute.write(r -> {
            Job job = new Job(dev.incubator.common.Ids.next("job", java.time.Clock.systemUTC()), org.id().value(),
                    org.name(), "admin", spec, JobState.PENDING, Optional.of("NEW"), Optional.of("waiting"), 0,
                    Optional.empty(), Instant.now().truncatedTo(ChronoUnit.MILLIS),
                    r.jobs().nextSubmitOrder(), Optional.empty(), Optional.empty(), List.of(), false, false,
                    Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 0, 0, 1, 1);
            r.jobs().insert(job);
            return job;
        });
    }
}
