package dev.incubator.server.api;

import static dev.incubator.server.api.BodySpec.Type.STRING;

import dev.incubator.common.ByteSize;
import dev.incubator.common.access.Action;
import dev.incubator.hub.HubService;
import dev.incubator.hub.repo.Repo;
import dev.incubator.tenancy.Organisation;
import dev.incubator.tenancy.TenancyService;
import java.util.List;
import java.util.Optional;

/** What an organisation stores in the hub, after deduplication, against its quota; operators set the quota. */
public final class StorageRoutes {
    private static final BodySpec SET_QUOTA = BodySpec.named("SetStorageQuota")
            .required("quota", STRING, "bytes the organisation may store after deduplication, e.g. '500GiB', '2TB' or"
                    + " a number of bytes; 'unlimited'; 'default' for the platform's (hub.quota.organisation)")
            .rule(text -> text.equals("default") || text.equals("unlimited") || ByteSize.parse(text).isPresent()
                    ? Optional.empty() : Optional.of("must be a size such as 500GiB, 2TB or 1073741824, 'unlimited'"
                    + " or 'default'"))
            .build();

    private final HubService hub;
    private final TenancyService tenancy;

    public StorageRoutes(HubService hub, TenancyService tenancy) {
        this.hub = hub;
        this.tenancy = tenancy;
    }

    /** Bytes stored and allowed; {@code quotaSource} is {@code organisation} (set by an operator) or {@code default}. */
    public record StorageView(String organisation, long usedBytes, long quotaBytes, String quotaSource,
                              double usedPercent, String used, String quota) {
        static StorageView of(String organisation, HubService.Storage storage) {
            boolean unlimited = storage.quotaBytes() == Long.MAX_VALUE;
            double percent = unlimited ? 0 : storage.quotaBytes() == 0 ? 100
                    : Math.round(10_000.0 * storage.usedBytes() / storage.quotaBytes()) / 100.0;
            return new StorageView(organisation, storage.usedBytes(), storage.quotaBytes(),
                    storage.quotaOwn() ? "organisation" : "default", percent, ByteSize.format(storage.usedBytes()),
                    unlimited ? "unlimited" : ByteSize.format(storage.quotaBytes()));
        }
    }

    public List<ApiRoute> routes() {
        String path = TenancyRoutes.PREFIX + "/orgs/{org}/storage";
        return List.of(
                ApiRoute.get(path, "getStorage").tag("hub")
                        .summary("What the organisation stores in the hub (after deduplication) and its quota")
                        .returns(StorageView.class)
                        .handle(call -> {
                            Organisation org = tenancy.authorize(call.caller(), call.path("org"), Action.ORG_READ);
                            return StorageView.of(org.name(), hub.storage(owner(org)));
                        }),
                ApiRoute.put(path, "setStorageQuota").tag("hub")
                        .summary("Set the organisation's storage quota, or return it to the default (operator)")
                        .body(SET_QUOTA).returns(StorageView.class)
                        .handle(call -> {
                            Organisation org = tenancy.authorize(call.caller(), call.path("org"),
                                    Action.STORAGE_QUOTA_MANAGE);
                            String quota = call.body(SET_QUOTA).string("quota");
                            Optional<Long> bytes = quota.equals("default") ? Optional.empty()
                                    : quota.equals("unlimited") ? Optional.of(Long.MAX_VALUE) : ByteSize.parse(quota);
                            return StorageView.of(org.name(), hub.setQuota(Subjects.of(call), owner(org), org.name(),
                                    bytes));
                        }));
    }

    private static Repo.Owner owner(Organisation org) {
        return new Repo.Owner(Repo.OwnerKind.ORGANISATION, org.id().value());
    }
}
