package dev.incubator.compute.local;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How local jobs are kept from the service and from each other, as found on this machine at start.
 *
 * @param accounts     whose OS account jobs run as
 * @param pidNamespace jobs see only their own processes (a PID namespace with its own /proc)
 * @param memory       how a job's {@code memory_mib} is enforced
 * @param cpuPinning   jobs are pinned to CPUs (taskset)
 */
public record Isolation(Accounts accounts, boolean pidNamespace, Memory memory, boolean cpuPinning) {
    public Isolation {
        requireNonNull(accounts, "accounts is null");
        requireNonNull(memory, "memory is null");
    }

    public enum Accounts {
        /** Each organisation's jobs run as an unprivileged account of its own, created by the service (as root). */
        PER_ORGANISATION,
        /** Jobs run as the service's own user: the operator declared the platform single-tenant. */
        SERVICE_USER,
        /** The service can not switch accounts and single-tenant mode is off: jobs are refused. */
        REFUSED
    }

    public enum Memory {
        CGROUP_V2, CGROUP_V1, PRLIMIT, NONE
    }

    /** Why jobs are refused, when they are. */
    public Optional<String> refusal() {
        return accounts == Accounts.REFUSED
                ? Optional.of("this server can not run jobs apart from itself: it does not run as root, so it can not"
                        + " give each organisation an OS account of its own; run it as root, use the Slurm back end, or"
                        + " set compute.local.single-tenant=true if every user of this platform may read everything"
                        + " the service can")
                : Optional.empty();
    }

    /** One line for logs, readyz and the cluster view, e.g. "accounts per organisation, PID namespace, ...". */
    public String describe() {
        List<String> parts = new ArrayList<>();
        parts.add(switch (accounts) {
            case PER_ORGANISATION -> "jobs run as an OS account per organisation";
            case SERVICE_USER -> "single-tenant: jobs run as the service's own user";
            case REFUSED -> "jobs refused: no account per organisation and single-tenant mode is off";
        });
        parts.add(pidNamespace ? "own PID namespace" : "no PID namespace (jobs see other processes)");
        parts.add(switch (memory) {
            case CGROUP_V2 -> "memory limited by cgroup v2";
            case CGROUP_V1 -> "memory limited by cgroup v1";
            case PRLIMIT -> "memory limited by prlimit (address space)";
            case NONE -> "memory not enforced";
        });
        parts.add(cpuPinning ? "CPUs pinned (taskset)" : "CPUs not pinned");
        return String.join(", ", parts);
    }
}
