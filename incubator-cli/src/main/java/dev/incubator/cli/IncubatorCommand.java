package dev.incubator.cli;

import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code incubator} command. */
@Command(name = "incubator", mixinStandardHelpOptions = true, versionProvider = IncubatorCommand.Version.class,
        description = "Run and use an Incubator: GPU compute grants, tenancy and governance for a foundation-model "
                + "incubator.")
public final class IncubatorCommand implements Runnable {
    /**
     * The top-level commands in the order help lists them. Picocli reads a command's annotations when it is added,
     * which costs far more than the JVM's start, so a run adds only the command it was asked for (all of them for
     * help, version, usage errors and suggestions).
     */
    private static final Map<String, Class<?>> COMMANDS = commands();

    private static Map<String, Class<?>> commands() {
        Map<String, Class<?>> commands = new java.util.LinkedHashMap<>();
        commands.put("serve", ServeCommand.class);
        commands.put("login", LoginCommand.class);
        commands.put("whoami", WhoamiCommand.class);
        commands.put("org", OrgCommand.class);
        commands.put("member", MemberCommand.class);
        commands.put("user", UserCommand.class);
        commands.put("token", TokenCommand.class);
        commands.put("grant", GrantCommand.class);
        commands.put("job", JobCommand.class);
        commands.put("queue", JobCommand.Queue.class);
        commands.put("cluster", JobCommand.Cluster.class);
        commands.put("usage", JobCommand.Usage.class);
        commands.put("audit", AuditCommand.class);
        commands.put("sim", SimCommand.class);
        commands.put("hub", HubCommand.class);
        commands.put("access", AccessCommand.class);
        commands.put("inbox", InboxCommand.class);
        commands.put("template", TemplateCommand.class);
        commands.put("deploy", DeployCommand.class);
        commands.put("eval", EvalCommand.class);
        commands.put("app", AppCommand.class);
        commands.put("review", ReviewCommand.class);
        commands.put("safety", SafetyCommand.class);
        commands.put("help", CommandLine.HelpCommand.class);
        return java.util.Collections.unmodifiableMap(commands);
    }

    private static volatile Map<String, String> environment = System.getenv();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine(args).execute(args));
    }

    /** The configured command line with every command: usage errors exit 2, reported failures 1. */
    public static CommandLine commandLine() {
        return commandLine(new String[0]);
    }

    /** The configured command line for running {@code args}: only their command when it is a known one. */
    public static CommandLine commandLine(String... args) {
        CommandLine commandLine = new CommandLine(new IncubatorCommand());
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        boolean one = args.length > 0 && COMMANDS.containsKey(args[0]) && !args[0].equals("help");
        COMMANDS.forEach((name, type) -> {
            if (!one || name.equals(args[0])) {
                commandLine.addSubcommand(name, type == CommandLine.HelpCommand.class
                        ? new CommandLine.HelpCommand() : type);
            }
        });
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        CommandLine serve = commandLine.getSubcommands().get("serve");
        if (serve != null) {
            // Only 'serve --help' lists the settings: loading the server's configuration classes is left to it.
            CommandLine.IHelpSectionRenderer footer = serve.getHelpSectionMap().get(CommandLine.Model.UsageMessageSpec
                    .SECTION_KEY_FOOTER);
            serve.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_FOOTER, help ->
                    footer.render(help) + String.join(System.lineSeparator(), ServeCommand.settingsHelp())
                            + System.lineSeparator());
        }
        commandLine.setExecutionExceptionHandler((exception, line, parseResult) -> {
            if (exception instanceof CliException failure) {
                if (line.getCommand() instanceof ClientCommand client && client.output == Output.Format.json) {
                    Output.json(line.getErr(), failure.problem());
                } else {
                    line.getErr().println("error: " + exception.getMessage());
                    line.getErr().flush();
                }
                return 1;
            }
            throw exception;
        });
        return commandLine;
    }

    private static volatile java.io.InputStream stdin = System.in;

    /** Set for a command run by the client daemon: the environment of the shell that asked for it. */
    private static final ThreadLocal<Map<String, String>> CALLER_ENVIRONMENT = new ThreadLocal<>();

    static Map<String, String> environment() {
        Map<String, String> caller = CALLER_ENVIRONMENT.get();
        return caller != null ? caller : environment;
    }

    /** Runs {@code work} with {@code callerEnvironment} as the commands' environment, on this thread only. */
    static <T> T withEnvironment(Map<String, String> callerEnvironment, java.util.function.Supplier<T> work) {
        CALLER_ENVIRONMENT.set(Map.copyOf(callerEnvironment));
        try {
            return work.get();
        } finally {
            CALLER_ENVIRONMENT.remove();
        }
    }

    /** What commands read for '-': standard input, or what a test or an embedding gives. */
    static java.io.InputStream stdin() {
        return stdin;
    }

    public static void useStdin(java.io.InputStream replacement) {
        stdin = replacement;
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
            return new String[] {"incubator " + Optional.ofNullable(IncubatorCommand.class.getPackage()
                    .getImplementationVersion()).orElse("0.1.0-SNAPSHOT")};
        }
    }
}
