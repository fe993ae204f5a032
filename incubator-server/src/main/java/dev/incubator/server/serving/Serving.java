package dev.incubator.server.serving;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.incubator.common.access.AccessControl;
import dev.incubator.compute.ComputeService;
import dev.incubator.compute.EnergyModel;
import dev.incubator.hub.HubService;
import dev.incubator.server.JobCredentials;
import dev.incubator.server.api.ApiRoute;
import dev.incubator.server.api.ComputeRoutes;
import dev.incubator.serving.ReplicaPlan;
import dev.incubator.serving.ServingService;
import dev.incubator.serving.ServingStore;
import dev.incubator.tenancy.Organisation;
import dev.incubator.tenancy.TenancyService;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serving as the server runs it: deployments reconciled in the background (replica jobs started, health-checked,
 * drained), the management routes and the OpenAI-compatible gateway.
 */
public final class Serving {
    private static final Logger LOG = LoggerFactory.getLogger(Serving.class);

    private final ServingService service;
    private final DeploymentRoutes deploymentRoutes;
    private final GatewayRoutes gatewayRoutes;
    private final Clock clock;
    private final Function<String, Optional<Organisation>> organisationByName;
    private volatile Instant lastExpiry = Instant.EPOCH;

    public record Settings(Duration coldStartWait, String platformId) {
        public static final Settings DEFAULT = new Settings(Duration.ofSeconds(120), "Incubator");
    }

    public Serving(ServingStore store, ComputeService compute, JobCredentials credentials, AccessControl access,
                   TenancyService tenancy, ComputeRoutes computeRoutes, HubService hub, EnergyModel energy,
                   Function<String, Optional<Organisation>> organisationByName,
                   Function<String, Optional<Organisation>> organisationById, ObjectMapper json, Clock clock,
                   dev.incubator.server.JobRuntime runtime, Settings settings) {
        ReplicaClient client = new ReplicaClient(compute, credentials);
        this.service = new ServingService(store, new ComputeReplicas(compute, runtime),
                client, clock, ReplicaPlan.Settings.DEFAULT);
        this.deploymentRoutes = new DeploymentRoutes(service, tenancy, access, computeRoutes, compute, hub, energy,
                organisationByName, organisationById, clock);
        this.gatewayRoutes = new GatewayRoutes(service, access, compute, client, organisationByName, json, clock,
                settings.coldStartWait(), settings.platformId());
        this.clock = clock;
        this.organisationByName = organisationByName;
    }

    /** The active deployment a gateway call names as its model (ORG/NAME), if there is one. */
    public Optional<dev.incubator.serving.Deployment> deployment(String modelId) {
        String[] parts = modelId.split("/", 2);
        if (parts.length != 2) {
            return Optional.empty();
        }
        return organisationByName.apply(parts[0]).flatMap(org -> service.store().read(r -> r.find(org.id().value(),
                parts[1])));
    }

    /** A deployment as the policy engine sees it. */
    public static dev.incubator.common.access.Resource.Deployment resource(dev.incubator.serving.Deployment deployment) {
        return DeploymentRoutes.resource(deployment);
    }

    public List<ApiRoute> routes() {
        List<ApiRoute> routes = new ArrayList<>(deploymentRoutes.routes());
        routes.addAll(gatewayRoutes.routes());
        return routes;
    }

    /** One pass of the background work: reconcile every deployment; hourly, drop content past its retention. */
    public void reconcile() {
        service.reconcile();
        Instant now = clock.instant();
        if (now.isAfter(lastExpiry.plus(Duration.ofHours(1)))) {
            lastExpiry = now;
            int cleared = service.store().write(r -> r.expireContent(now));
            if (cleared > 0) {
                LOG.info("serving: cleared the content of {} request record(s) past their retention", cleared);
            }
        }
    }
}
