package dev.incubator.compute.local;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The command line that starts one local job, from the outside in: its own session; joining its memory cgroup
 * (while still privileged); its own PID namespace and /proc; the organisation's account with no capabilities and no
 * way to gain any; its CPUs; its address-space limit where no cgroup limits memory; and the wrapper that forwards
 * signals and records the exit code. Pure: what it runs is decided here and tested without running it.
 */
final class LaunchCommand {
    /** Joins the cgroup whose cgroup.procs is $1 ("-" for none), then becomes the rest of the line. */
    static final String LAUNCHER = """
            if [ "$1" != - ]; then echo $$ > "$1" || { echo "incubator: could not join the job's cgroup" >&2; exit 125; }; fi
            shift
            exec "$@"
            """;

    /** Runs the rest of the line with signals forwarded; writes its exit code to the file $1 (atomically). */
    static final String WRAPPER = """
            exit_file=$1
            shift
            "$@" &
            child=$!
            for sig in TERM INT HUP USR1 USR2; do trap "kill -s $sig $child 2>/dev/null" $sig; done
            while :; do
              wait "$child"; code=$?
              kill -0 "$child" 2>/dev/null || break
            done
            printf '%s\\n' "$code" > "$exit_file.tmp" && mv "$exit_file.tmp" "$exit_file"
            exit "$code"
            """;

    /** The search path of every job: the system's, never the service's. */
    static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private LaunchCommand() {
    }

    /**
     * @param cgroupProcs the cgroup.procs file of the job's memory cgroup, if memory is limited by a cgroup
     * @param account     the account to run as, if not the service's own
     * @param cpus        the CPUs to pin to, if pinned
     * @param addressSpaceMib the address-space limit, where prlimit stands in for a cgroup
     */
    static List<String> argv(List<String> command, String exitFile, Optional<String> cgroupProcs, boolean pidNamespace,
                             Optional<JobAccounts.Account> account, Optional<List<Integer>> cpus,
                             Optional<Long> addressSpaceMib) {
        List<String> argv = new ArrayList<>(List.of("setsid", "bash", "-c", LAUNCHER, "incubator-launch",
                cgroupProcs.orElse("-")));
        if (pidNamespace) {
            argv.addAll(List.of("unshare", "--pid", "--fork", "--mount-proc", "--kill-child"));
        }
        account.ifPresent(user -> argv.addAll(List.of("setpriv", "--reuid=" + user.uid(), "--regid=" + user.gid(),
                "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs")));
        cpus.ifPresent(list -> argv.addAll(List.of("taskset", "-c", String.join(",",
                list.stream().map(String::valueOf).toList()))));
        addressSpaceMib.ifPresent(mib -> argv.addAll(List.of("prlimit", "--as=" + mib * 1024 * 1024, "--")));
        argv.addAll(List.of("bash", "-c", WRAPPER, "incubator-job", exitFile));
        argv.addAll(command);
        return argv;
    }

    /**
     * The whole environment of a job, built from nothing: the system's PATH, the job's home (its directory), a
     * UTF-8 locale, its own temporary directory, its user name, then the spec's variables and the platform's
     * {@code INCUBATOR_*} ones (which the spec can not override). Nothing of the service's environment is passed.
     */
    static Map<String, String> environment(Map<String, String> spec, Map<String, String> platform, String home,
                                           Optional<String> user) {
        Map<String, String> environment = new TreeMap<>();
        environment.put("PATH", PATH);
        environment.put("HOME", home);
        environment.put("LANG", "C.UTF-8");
        environment.put("TMPDIR", home + "/.tmp");
        user.ifPresent(name -> {
            environment.put("USER", name);
            environment.put("LOGNAME", name);
        });
        environment.putAll(spec);
        environment.putAll(platform);
        return environment;
    }
}
