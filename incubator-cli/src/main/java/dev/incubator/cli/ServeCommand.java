package dev.incubator.cli;

import dev.incubator.common.IncubatorException;
import dev.incubator.server.IncubatorServer;
import dev.incubator.server.config.ServerConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Start the Incubator service.",
                "With no options: SQLite under ~/.incubator, port 8420, loopback only. Every setting can also come "
                        + "from a YAML file (--config) or an INCUBATOR_* environment variable, e.g. "
                        + "INCUBATOR_STORE_URL=jdbc:postgresql://db:5432/incubator."},
        footer = {"", "Settings (key, default, environment variable):"})
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--data-dir", description = "Data directory (default ~/.incubator)")
    Path dataDir;

    @Option(names = "--port", description = "HTTP port (default 8420; 0 picks a free one)")
    Integer port;

    @Option(names = "--host", description = "Listen address (default 127.0.0.1)")
    String host;

    @Option(names = "--virtual-gpus", description = "Offer N virtual GPUs (for machines without GPUs)")
    Integer virtualGpus;

    @Option(names = "--config", description = "YAML configuration file")
    Path config;

    @Option(names = "--set", description = "Any setting as KEY=VALUE, e.g. --set store.pool-size=16")
    Map<String, String> settings = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        Map<String, String> overrides = new LinkedHashMap<>(settings);
        if (dataDir != null) {
            overrides.put("data-dir", dataDir.toString());
        }
        if (port != null) {
            overrides.put("server.port", port.toString());
        }
        if (host != null) {
            overrides.put("server.host", host);
        }
        if (virtualGpus != null) {
            overrides.put("compute.virtual-gpus", virtualGpus.toString());
        }
        ServerConfig serverConfig;
        try {
            serverConfig = ServerConfig.load(Optional.ofNullable(config), IncubatorCommand.environment(), overrides);
        } catch (IncubatorException e) {
            throw new CliException(e.getMessage());
        }
        IncubatorServer server = IncubatorServer.start(serverConfig);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "incubator-shutdown"));
        System.err.println("Incubator " + IncubatorServer.VERSION + " listening on " + server.url()
                + " (data in " + serverConfig.dataDir() + ")");
        server.bootstrapTokenFile().ifPresent(file -> System.err.println(
                "Created the operator account 'admin'; its API token is in " + file + " (readable only by you).\n"
                        + "Log in with: incubator login --url " + server.url() + " --token-file " + file));
        stopped.await();
        return 0;
    }

    static List<String> settingsHelp() {
        return ServerConfig.SETTINGS.stream().map(setting -> String.format("  %s (%s; default %s)%n      %s",
                setting.key(), setting.environmentVariable(),
                setting.defaultValue() == null ? "none" : setting.defaultValue(), setting.description())).toList();
    }
}
