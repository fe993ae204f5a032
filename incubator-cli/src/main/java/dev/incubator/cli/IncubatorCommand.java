package dev.incubator.cli;

import dev.incubator.server.IncubatorServer;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code incubator} command. */
@Command(name = "incubator", mixinStandardHelpOptions = true, versionProvider = IncubatorCommand.Version.class,
        description = "Run and use an Incubator: GPU compute grants, tenancy and governance for a foundation-model "
                + "incubator.",
        subcommands = {ServeCommand.class, LoginCommand.class, WhoamiCommand.class, OrgCommand.class,
                MemberCommand.class, UserCommand.class, TokenCommand.class, GrantCommand.class, JobCommand.class,
                JobCommand.Queue.class, JobCommand.Cluster.class, JobCommand.Usage.class, AuditCommand.class, SimCommand.class, HubCommand.class, AccessCommand.class,
                CommandLine.HelpCommand.class})
public final class IncubatorCommand implements Runnable {
    private static volatile Map<String, String> environment = System.getenv();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line: usage errors exit 2, reported failures 1. */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new IncubatorCommand());
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        CommandLine.Model.UsageMessageSpec serveUsage = commandLine.getSubcommands().get("serve").getCommandSpec()
                .usageMessage();
        java.util.List<String> footer = new java.util.ArrayList<>(java.util.List.of(serveUsage.footer()));
        footer.addAll(ServeCommand.settingsHelp());
        serveUsage.footer(footer.toArray(String[]::new));
        commandLine.setExecutionExceptionHandler((exception, line, parseResult) -> {
            if (exception instanceof CliException) {
                line.getErr().println("error: " + exception.getMessage());
                line.getErr().flush();
                return 1;
            }
            throw exception;
        });
        return commandLine;
    }

    static Map<String, String> environment() {
        return environment;
    }

    /** Replaces the environment the commands read (credentials, XDG dirs): for embedding and tests. */
    public static void useEnvironment(Map<String, String> replacement) {
        environment = Map.copyOf(replacement);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"incubator " + IncubatorServer.VERSION};
        }
    }
}
