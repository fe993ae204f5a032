package dev.incubator.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.incubator.common.Page;
import dev.incubator.common.PageRequest;
import dev.incubator.serving.Deployment;
import dev.incubator.serving.Replica;
import dev.incubator.serving.ServingStore;
import dev.incubator.serving.ServingStore.GroupBy;
import dev.incubator.serving.ServingStore.Repositories;
import dev.incubator.serving.ServingStore.UsageGroup;
import dev.incubator.serving.UsageRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Deployments, replicas and request records on a real metadata store. */
public abstract class ServingStoreContract extends MetricsStoreContract {
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    private static Deployment deployment(String id, String org, String name) {
        return new Deployment(id, org, org + "-name", name, "models/lab/tiny", "a".repeat(40),
                Deployment.Engine.COMMAND, List.of("server", "--port", "{port}", "--say", "a,b \"c\""), 0, 2, 250,
                2, 1024, Duration.ofMinutes(5), Deployment.Access.SHARED, Set.of("uni", "firm"),
                new Deployment.Limits(60, 1000, 50_000), Optional.of("AI generated"), true, 7,
                Deployment.State.ACTIVE, "alice", T0, T0, 1);
    }

    private static UsageRecord usage(String deployment, String token, String caller, int prompt, int completion,
                                     int status, Instant at, String content) {
        return new UsageRecord(0, at, deployment, "org_lab", "lab/chat", "a".repeat(40), "/v1/completions", token,
                "alice", caller, prompt, completion, 12, status, Optional.of("job_1"), "produce-" + at.toEpochMilli()
                + token, Optional.ofNullable(content));
    }

    @Test
    void aDeploymentComesBackAsStoredAndChangesOnlyFromTheVersionItWasReadAt() {
        ServingStore serving = new JdbiServing(database);
        Deployment stored = deployment("dep_1", "org_lab", "chat");
        serving.write((Repositories r) -> {
            r.insert(stored);
            return null;
        });
        assertThat(serving.read((Repositories r) -> r.find("org_lab", "chat"))).contains(stored);
        assertThat(serving.read((Repositories r) -> r.findById("dep_1"))).contains(stored);
        Deployment scaled = stored.withReplicas(1, 3, T0.plusSeconds(5));
        assertThat(serving.write((Repositories r) -> r.update(scaled))).isTrue();
        assertThat(serving.write((Repositories r) -> r.update(stored.withReplicas(0, 1, T0.plusSeconds(6)))))
                .as("a change from a stale read is refused").isFalse();
        assertThat(serving.read((Repositories r) -> r.find("org_lab", "chat")).orElseThrow().maxReplicas()).isEqualTo(3);
        Deployment deleted = scaled.deleted(T0.plusSeconds(9));
        serving.write((Repositories r) -> r.update(deleted));
        assertThat(serving.read((Repositories r) -> r.find("org_lab", "chat"))).as("deleted is gone by name").isEmpty();
        serving.write((Repositories r) -> {
            r.insert(deployment("dep_2", "org_lab", "chat"));
            return null;
        });
        assertThat(serving.read((Repositories r) -> r.find("org_lab", "chat")).orElseThrow().id())
                .as("the name is free again once deleted").isEqualTo("dep_2");
        assertThatThrownBy(() -> serving.write((Repositories r) -> {
            r.insert(deployment("dep_3", "org_lab", "chat"));
            return null;
        })).as("two live deployments never share a name").isInstanceOf(RuntimeException.class);
    }

    @Test
    void listsPageByNameAndKeepOrganisationsApart() {
        ServingStore serving = new JdbiServing(database);
        serving.write((Repositories r) -> {
            for (String name : List.of("e", "b", "d", "a", "c")) {
                r.insert(deployment("dep_" + name, "org_lab", name));
            }
            r.insert(deployment("dep_other", "org_other", "a0"));
            return null;
        });
        List<String> names = new ArrayList<>();
        Optional<String> cursor = Optional.empty();
        do {
            Optional<String> after = cursor;
            Page<Deployment> page = serving.read((Repositories r) -> r.list("org_lab", new PageRequest(2,
                    after.map(dev.incubator.common.Cursor::decode))));
            page.items().forEach(d -> names.add(d.name()));
            cursor = page.nextCursor();
        } while (cursor.isPresent());
        assertThat(names).containsExactly("a", "b", "c", "d", "e");
    }

    @Test
    void replicasMoveThroughTheirStatesAndEndedOnesLeaveTheLiveList() {
        ServingStore serving = new JdbiServing(database);
        Deployment d = deployment("dep_r", "org_lab", "r");
        serving.write((Repositories r) -> {
            r.insert(d);
            r.putReplica(Replica.starting("job_b", d, T0.plusSeconds(2)));
            r.putReplica(Replica.starting("job_a", d, T0));
            return null;
        });
        assertThat(serving.read((Repositories r) -> r.replicas("dep_r"))).extracting(Replica::jobId)
                .as("oldest first").containsExactly("job_a", "job_b");
        Replica ready = serving.read((Repositories r) -> r.replica("job_a")).orElseThrow().registered("http://127.0.0.1:4000")
                .ready(T0.plusSeconds(3));
        serving.write((Repositories r) -> {
            r.putReplica(ready);
            r.putReplica(serving.read((Repositories x) -> x.replica("job_b")).orElseThrow().ended("its job failed"));
            return null;
        });
        Replica back = serving.read((Repositories r) -> r.replica("job_a")).orElseThrow();
        assertThat(back).isEqualTo(ready);
        assertThat(back.coldStart()).contains(Duration.ofSeconds(3));
        assertThat(serving.read((Repositories r) -> r.replicas("dep_r"))).extracting(Replica::jobId).containsExactly("job_a");
        assertThat(serving.read((Repositories r) -> r.history("dep_r", 10))).extracting(Replica::jobId)
                .containsExactly("job_b", "job_a");
        serving.write((Repositories r) -> {
            r.update(d.deleted(T0.plusSeconds(10)));
            return null;
        });
        assertThat(serving.read(ServingStore.Repositories::active)).extracting(Deployment::id)
                .as("a deleted deployment stays reconciled while a replica still stops").contains("dep_r");
        serving.write((Repositories r) -> {
            r.putReplica(back.ended("drained"));
            return null;
        });
        assertThat(serving.read(ServingStore.Repositories::active)).extracting(Deployment::id)
                .doesNotContain("dep_r");
    }

    @Test
    void usageGroupsByTokenModelAndCallerAndBudgetsCountOnlyTheirOrganisationAndMonth() {
        ServingStore serving = new JdbiServing(database);
        Deployment d = deployment("dep_u", "org_lab", "u");
        serving.write((Repositories r) -> {
            r.insert(d);
            r.appendUsage(usage("dep_u", "tok_a", "org_lab", 10, 5, 200, T0, "hello"));
            r.appendUsage(usage("dep_u", "tok_a", "org_lab", 7, 3, 200, T0.plusSeconds(1), null));
            r.appendUsage(usage("dep_u", "tok_b", "org_uni", 4, 0, 429, T0.plusSeconds(2), null));
            r.appendUsage(usage("dep_u", "tok_b", "org_uni", 100, 100, 200, T0.minus(Duration.ofDays(40)), "old"));
            return null;
        });
        List<UsageGroup> byToken = serving.read((Repositories r) -> r.usage("org_lab", Optional.of("dep_u"), T0.minusSeconds(1),
                GroupBy.TOKEN));
        assertThat(byToken).containsExactly(new UsageGroup("tok_a", 2, 17, 8, 0, 24),
                new UsageGroup("tok_b", 1, 4, 0, 1, 12));
        assertThat(serving.read((Repositories r) -> r.usage("org_lab", Optional.empty(), T0.minusSeconds(1), GroupBy.MODEL)))
                .containsExactly(new UsageGroup("lab/chat", 3, 21, 8, 1, 36));
        assertThat(serving.read((Repositories r) -> r.usage("org_other", Optional.empty(), Instant.EPOCH, GroupBy.MODEL)))
                .as("another owner sees none of it").isEmpty();
        assertThat(serving.read((Repositories r) -> r.tokensUsed("dep_u", "org_uni", T0.minus(Duration.ofDays(1))))).isEqualTo(4);
        assertThat(serving.read((Repositories r) -> r.tokensUsed("dep_u", "org_uni", Instant.EPOCH))).isEqualTo(204);
        Page<UsageRecord> newest = serving.read((Repositories r) -> r.requests("dep_u", new PageRequest(2, Optional.empty())));
        assertThat(newest.items()).as("newest recorded first").extracting(UsageRecord::status).containsExactly(200, 429);
        assertThat(newest.nextCursor()).isPresent();
        assertThat(serving.write((Repositories r) -> r.expireContent(T0.plusSeconds(5)))).as("only the 40-day-old content is past"
                + " its 7 days").isEqualTo(1);
        assertThat(serving.read((Repositories r) -> r.requests("dep_u", new PageRequest(10, Optional.empty()))).items())
                .extracting(u -> u.content().orElse("-")).containsExactly("-", "-", "-", "hello");
    }
}
