package dev.incubator.compute.local;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The OS accounts local jobs run as: one unprivileged account per organisation ({@code inc-<org id>}), created on
 * first use with a uid from a configured range, no home, no login shell. An existing account of that name is used
 * only if its uid lies in the range, so that a job never runs as an account the service did not make for it.
 */
public final class JobAccounts {
    /** An account: its name, uid and primary gid. */
    public record Account(String name, int uid, int gid) {
        public Account {
            requireNonNull(name, "name is null");
        }
    }

    private final int firstUid;
    private final int lastUid;
    private final Path passwd;

    public JobAccounts(int firstUid, int lastUid) {
        this(firstUid, lastUid, Path.of("/etc/passwd"));
    }

    JobAccounts(int firstUid, int lastUid, Path passwd) {
        if (firstUid < 1000 || lastUid < firstUid) {
            throw new IllegalArgumentException("the job uid range must be ordered and start at 1000 or above, not "
                    + firstUid + "-" + lastUid);
        }
        this.firstUid = firstUid;
        this.lastUid = lastUid;
        this.passwd = requireNonNull(passwd, "passwd is null");
    }

    /** The account name of an organisation: "inc-" and its id without the prefix (at most 32 characters). */
    public static String nameOf(String orgId) {
        String bare = orgId.startsWith("org_") ? orgId.substring(4) : orgId;
        String name = "inc-" + bare.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
        return name.length() <= 32 ? name : name.substring(0, 32);
    }

    /** The organisation's account, created if it does not exist yet. */
    public synchronized Account forOrganisation(String orgId, String orgName) {
        String name = nameOf(orgId);
        Optional<Account> existing = find(name);
        if (existing.isPresent()) {
            Account account = existing.get();
            if (account.uid() < firstUid || account.uid() > lastUid) {
                throw new IllegalStateException("account " + name + " exists with uid " + account.uid()
                        + ", outside the job range " + firstUid + "-" + lastUid + "; jobs will not run as it");
            }
            return account;
        }
        // Another process on this machine (a second service, a test) may take the same free uid, or create the same
        // account, between our look and useradd: look again and retry a few times before giving up.
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int uid = freeUid();
            try {
                run(List.of("useradd", "--uid", Integer.toString(uid), "--user-group", "--no-create-home",
                        "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", "--comment",
                        ("Incubator jobs of " + orgName).replaceAll("[^A-Za-z0-9 ._-]", ""), name));
            } catch (IllegalStateException e) {
                last = e;
                Optional<Account> created = find(name);
                if (created.isPresent()) {
                    return created.get();
                }
                try {
                    Thread.sleep(50L * (attempt + 1));
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                continue;
            }
            return find(name).orElseThrow(() -> new IllegalStateException("useradd did not create " + name));
        }
        throw last;
    }

    private Optional<Account> find(String name) {
        for (String line : lines()) {
            String[] fields = line.split(":");
            if (fields.length >= 4 && fields[0].equals(name)) {
                return Optional.of(new Account(name, Integer.parseInt(fields[2]), Integer.parseInt(fields[3])));
            }
        }
        return Optional.empty();
    }

    private int freeUid() {
        Set<Integer> taken = new HashSet<>();
        for (String line : lines()) {
            String[] fields = line.split(":");
            if (fields.length >= 3) {
                try {
                    taken.add(Integer.parseInt(fields[2]));
                } catch (NumberFormatException ignored) {
                    // a malformed line holds no uid
                }
            }
        }
        for (int uid = firstUid; uid <= lastUid; uid++) {
            if (!taken.contains(uid)) {
                return uid;
            }
        }
        throw new IllegalStateException("no free uid left in the job range " + firstUid + "-" + lastUid
                + "; widen compute.local.uid-range");
    }

    private List<String> lines() {
        try {
            return Files.readAllLines(passwd, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + passwd, e);
        }
    }

    private static void run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command.subList(0, 1)) + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + command.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating a job account", e);
        }
    }
}
