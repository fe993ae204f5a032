package dev.incubator.compute.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two services on one machine (here: two JobAccounts, each with its own lock) creating organisations' accounts at
 * once: both pick the same free uid, and the loser must look again instead of failing the job. Needs root (useadd).
 */
class JobAccountsRaceTest {
    private final List<String> created = new ArrayList<>();

    @AfterEach
    void removeAccounts() throws Exception {
        for (String name : created) {
            new ProcessBuilder("userdel", name).redirectErrorStream(true).start().waitFor();
        }
    }

    @Test
    void concurrentCreatorsGetDistinctUidsAndNoneFails() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "creates OS accounts: needs root");
        JobAccounts one = new JobAccounts(62000, 62999);
        JobAccounts two = new JobAccounts(62000, 62999);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        Set<Integer> uids = ConcurrentHashMap.newKeySet();
        List<Future<?>> done = new ArrayList<>();
        String run = Long.toString(System.nanoTime(), 36);
        for (int i = 0; i < 8; i++) {
            String org = "org_race" + run + i;
            created.add(JobAccounts.nameOf(org));
            JobAccounts accounts = i % 2 == 0 ? one : two;
            done.add(pool.submit(() -> uids.add(accounts.forOrganisation(org, "race").uid())));
        }
        for (Future<?> future : done) {
            future.get();
        }
        pool.shutdown();
        assertThat(uids).hasSize(8).allSatisfy(uid -> assertThat(uid).isBetween(62000, 62999));
    }
}
