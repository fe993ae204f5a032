package dev.incubator.server.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.incubator.common.ErrorCode;
import dev.incubator.common.IncubatorException;
import dev.incubator.common.access.Action;
import dev.incubator.hub.HubService;
import dev.incubator.hub.port.XetIndex;
import dev.incubator.hub.repo.Repo;
import dev.incubator.hub.xet.XetService;
import dev.incubator.hub.xet.XorbReader;
import io.javalin.http.Context;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The Xet protocol's HTTP surface. On the Hub side: CAS tokens ({@code xet-write-token}, {@code xet-read-token}),
 * issued for one repository after the access-policy engine allowed the write or the read. On the CAS side (under
 * {@code /api/v1/hub/xet}): xorb and shard upload, deduplication queries, file reconstruction (v1 and v2) and the
 * signed xorb ranges a reconstruction points at. A CAS token names its repository, its scope and its expiry and is
 * signed by this server; every CAS call is confined to that repository's encryption domain and, for reads, to
 * files a commit of that repository has.
 */
public final class XetRoutes {
    public static final String CAS = TenancyRoutes.PREFIX + "/hub/xet";
    static final Duration TOKEN_LIFETIME = Duration.ofMinutes(30);
    private static final Duration URL_LIFETIME = Duration.ofMinutes(30);
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d{1,18})-(\\d{0,18})");
    private static final long MAX_SHARD = dev.incubator.hub.xet.Shard.MAX_SIZE;

    private final HubService hub;
    private final XetService xet;
    private final ObjectMapper json;
    private final Clock clock;
    private final byte[] key = dev.incubator.hub.crypto.Aead.newKey();

    public XetRoutes(HubService hub, XetService xet, ObjectMapper json, Clock clock) {
        this.hub = hub;
        this.xet = xet;
        this.json = json;
        this.clock = clock;
    }

    /** A CAS token's content once its signature and expiry are checked. */
    record Grant(String repoId, String scope, long expires) {
    }

    public List<ApiRoute> routes() {
        List<ApiRoute> routes = new ArrayList<>();
        for (String plural : List.of("models", "datasets")) {
            String base = "/api/" + plural + "/{namespace}/{name}";
            String op = plural.equals("models") ? "Model" : "Dataset";
            routes.add(hf(ApiRoute.get(base + "/xet-write-token/{revision}", "hf" + op + "XetWriteToken"),
                    "a Xet CAS token to upload to this repository").handle(call -> token(call, plural, "write")));
            routes.add(hf(ApiRoute.get(base + "/xet-read-token/{revision}", "hf" + op + "XetReadToken"),
                    "a Xet CAS token to download from this repository").publicAccess()
                    .handle(call -> token(call, plural, "read")));
        }
        routes.add(cas(ApiRoute.post(CAS + "/v1/xorbs/{prefix}/{hash}", "xetUploadXorb"),
                "Xet: upload a xorb (write token)").status(200).notIdempotent().handle(this::uploadXorb));
        routes.add(cas(ApiRoute.post(CAS + "/v1/shards", "xetUploadShard"),
                "Xet: register the files of a shard (write token)").status(200).notIdempotent()
                .handle(this::uploadShard));
        routes.add(cas(ApiRoute.get(CAS + "/v1/chunks/{prefix}/{hash}", "xetDedupChunk"),
                "Xet: deduplication query for a chunk (a shard listing the xorb that holds it)")
                .handle(this::dedup));
        routes.add(cas(ApiRoute.get(CAS + "/v1/reconstructions/{file}", "xetReconstructionV1"),
                "Xet: how to rebuild a file from xorb ranges (v1)").handle(call -> reconstruction(call, 1)));
        routes.add(cas(ApiRoute.get(CAS + "/v2/reconstructions/{file}", "xetReconstructionV2"),
                "Xet: how to rebuild a file from xorb ranges (v2)").handle(call -> reconstruction(call, 2)));
        routes.add(cas(ApiRoute.get(CAS + "/xorbs/{repo}/{hash}", "xetXorbRange"),
                "Xet: bytes of a xorb, as a reconstruction's signed URL names them").handle(this::xorbRange));
        return routes;
    }

    private static ApiRoute.Builder hf(ApiRoute.Builder builder, String summary) {
        return builder.tag(HfErrors.TAG).summary("Hugging Face: " + summary).returns(Raw.class);
    }

    private static ApiRoute.Builder cas(ApiRoute.Builder builder, String summary) {
        return builder.tag(HfErrors.TAG).summary(summary).publicAccess().returns(Raw.class);
    }

    // --------------------------------------------------------------------------------------------- tokens

    private Raw token(Call call, String plural, String scope) throws IOException {
        Action action = scope.equals("write") ? Action.REPO_WRITE : Action.REPO_READ;
        Repo repo = HfErrors.notFoundAs(call, "RepoNotFound", () -> hub.find(Subjects.of(call), HubRoutes.kind(plural), call.path("namespace"),
                call.path("name"), action));
        long expires = clock.instant().plus(TOKEN_LIFETIME).getEpochSecond();
        String token = issue(repo.id(), scope, expires);
        String casUrl = HfRoutes.baseUrl(call.context()) + CAS;
        call.context().header("X-Xet-Cas-Url", casUrl);
        call.context().header("X-Xet-Access-Token", token);
        call.context().header("X-Xet-Token-Expiration", Long.toString(expires));
        ObjectNode body = json.createObjectNode().put("casUrl", casUrl).put("accessToken", token).put("exp", expires);
        return new Raw(200, "application/json", json.writeValueAsString(body));
    }

    /** A signed CAS token for one repository and scope. */
    String issue(String repoId, String scope, long expires) {
        String payload = Base64.getUrlEncoder().withoutPadding().encodeToString((repoId + "|" + scope + "|" + expires)
                .getBytes(StandardCharsets.UTF_8));
        return "xet_" + payload + "." + sign(payload);
    }

    /** The upload headers a Git LFS batch answer carries when it offers the xet transfer. */
    Map<String, String> uploadHeaders(Context context, Repo repo) {
        long expires = clock.instant().plus(TOKEN_LIFETIME).getEpochSecond();
        return Map.of("X-Xet-Cas-Url", HfRoutes.baseUrl(context) + CAS, "X-Xet-Access-Token",
                issue(repo.id(), "write", expires), "X-Xet-Token-Expiration", Long.toString(expires),
                "X-Xet-Session-Id", dev.incubator.common.Ids.next("xet", clock));
    }

    private Grant grant(Call call, String scope) {
        String header = Optional.ofNullable(call.context().header("Authorization")).orElse("");
        String token = header.startsWith("Bearer ") ? header.substring(7).trim() : "";
        if (!token.startsWith("xet_") || token.indexOf('.') < 0) {
            throw new IncubatorException(ErrorCode.UNAUTHENTICATED, "send a Xet CAS token (Authorization: Bearer"
                    + " xet_...); get one from /api/{models|datasets}/{repo}/xet-" + scope + "-token/{revision}");
        }
        String payload = token.substring(4, token.indexOf('.'));
        String signature = token.substring(token.indexOf('.') + 1);
        if (!MessageDigest.isEqual(sign(payload).getBytes(StandardCharsets.US_ASCII),
                signature.getBytes(StandardCharsets.US_ASCII))) {
            throw new IncubatorException(ErrorCode.TOKEN_INVALID, "the Xet CAS token is invalid (or the server "
                    + "restarted since it was issued); get a new one");
        }
        String[] parts = new String(Base64.getUrlDecoder().decode(payload), StandardCharsets.UTF_8).split("\\|");
        Grant grant = new Grant(parts[0], parts[1], Long.parseLong(parts[2]));
        if (clock.instant().getEpochSecond() > grant.expires()) {
            throw new IncubatorException(ErrorCode.TOKEN_EXPIRED, "the Xet CAS token expired; get a new one");
        }
        if (scope.equals("write") && !grant.scope().equals("write")) {
            throw new IncubatorException(ErrorCode.INSUFFICIENT_SCOPE, "this Xet CAS token may only read; uploads need"
                    + " a token from xet-write-token");
        }
        return grant;
    }

    private Repo repo(Grant grant) {
        return hub.repoById(grant.repoId()).orElseThrow(() -> IncubatorException.notFound("repository",
                grant.repoId()));
    }

    private String sign(String payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(payload.getBytes(
                    StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------------------------------------ CAS

    private Raw uploadXorb(Call call) throws IOException {
        Repo repo = repo(grant(call, "write"));
        if (!call.path("prefix").equals("default")) {
            throw IncubatorException.validation("prefix", "must be 'default'");
        }
        boolean inserted;
        try (InputStream in = new HubRoutes.LimitedStream(call.context().req().getInputStream(),
                XorbReader.MAX_XORB + 1024)) {
            inserted = xet.receiveXorb(repo, call.path("hash"), in);
        }
        return new Raw(200, "application/json", json.writeValueAsString(json.createObjectNode()
                .put("was_inserted", inserted)));
    }

    private Raw uploadShard(Call call) throws IOException {
        Repo repo = repo(grant(call, "write"));
        byte[] body;
        try (InputStream in = new HubRoutes.LimitedStream(call.context().req().getInputStream(), MAX_SHARD)) {
            body = in.readAllBytes();
        }
        XetService.Registered registered = xet.receiveShard(repo, body);
        return new Raw(200, "application/json", json.writeValueAsString(json.createObjectNode()
                .put("result", registered.files() > 0 ? 1 : 0)));
    }

    private Object dedup(Call call) {
        Repo repo = repo(grant(call, "read"));
        byte[] shard = xet.dedup(repo, call.path("hash")).orElseThrow(() -> IncubatorException.notFound("chunk",
                call.path("hash")));
        return (Streamed) context -> {
            context.status(200).contentType("application/octet-stream");
            context.outputStream().write(shard);
        };
    }

    private Raw reconstruction(Call call, int version) throws IOException {
        Grant grant = grant(call, "read");
        Repo repo = repo(grant);
        XetIndex.File file = xet.file(repo, call.path("file")).orElseThrow(() -> IncubatorException.notFound("file",
                call.path("file")));
        long from = 0;
        long to = file.size() - 1;
        String range = call.context().header("Range");
        if (range != null && !range.isBlank()) {
            Matcher matcher = RANGE.matcher(range.trim());
            if (!matcher.matches()) {
                throw IncubatorException.validation("Range", "must be 'bytes=START-END' or 'bytes=START-'");
            }
            from = Long.parseLong(matcher.group(1));
            to = matcher.group(2).isEmpty() ? file.size() - 1 : Math.min(file.size() - 1, Long.parseLong(
                    matcher.group(2)));
            if (from >= file.size() || from > to) {
                throw new IncubatorException(ErrorCode.RANGE_NOT_SATISFIABLE, "range '" + range + "' is outside the "
                        + file.size() + " bytes of the file");
            }
        }
        ObjectNode body = json.createObjectNode();
        ArrayNode terms = body.putArray("terms");
        ObjectNode fetch = version == 1 ? body.putObject("fetch_info") : body.putObject("xorbs");
        long position = 0;
        boolean first = true;
        long expires = clock.instant().plus(URL_LIFETIME).getEpochSecond();
        for (XetIndex.Term term : file.terms()) {
            long start = position;
            position += term.unpackedBytes();
            if (position <= from || start > to) {
                continue;
            }
            if (first) {
                body.put("offset_into_first_range", from - start);
                first = false;
            }
            ObjectNode item = terms.addObject().put("hash", term.xorb()).put("unpacked_length", term.unpackedBytes());
            item.putObject("range").put("start", term.chunkStart()).put("end", term.chunkEnd());
            List<XetIndex.Chunk> chunks = xet.xorb(repo, term.xorb()).orElseThrow(() -> new IncubatorException(
                    ErrorCode.DATA_CORRUPT, "xorb " + term.xorb() + " of " + repo.fullName() + " is missing"));
            long[] offsets = XetService.offsets(chunks);
            // One URL per chunk range: clients key their fetch plans by URL.
            String chunkRange = term.chunkStart() + "-" + term.chunkEnd();
            String url = HfRoutes.baseUrl(call.context()) + CAS + "/xorbs/" + repo.id() + "/" + term.xorb()
                    + "?chunks=" + chunkRange + "&expires=" + expires + "&sig=" + sign(repo.id() + "|" + term.xorb()
                    + "|" + chunkRange + "|" + expires);
            long byteStart = offsets[term.chunkStart()];
            long byteEnd = offsets[term.chunkEnd()] - 1;
            ArrayNode list = fetch.has(term.xorb()) ? (ArrayNode) fetch.get(term.xorb()) : fetch.putArray(term.xorb());
            if (version == 1) {
                ObjectNode entry = list.addObject().put("url", url);
                entry.putObject("range").put("start", term.chunkStart()).put("end", term.chunkEnd());
                entry.putObject("url_range").put("start", byteStart).put("end", byteEnd);
            } else {
                ObjectNode entry = list.addObject().put("url", url);
                ObjectNode part = entry.putArray("ranges").addObject();
                part.putObject("chunks").put("start", term.chunkStart()).put("end", term.chunkEnd());
                part.putObject("bytes").put("start", byteStart).put("end", byteEnd);
            }
        }
        return new Raw(200, "application/json", json.writeValueAsString(body));
    }

    private Streamed xorbRange(Call call) {
        String repoId = call.path("repo");
        String hash = call.path("hash");
        long expires;
        try {
            expires = Long.parseLong(call.query("expires").orElse("0"));
        } catch (NumberFormatException e) {
            expires = 0;
        }
        String chunkRange = call.query("chunks").orElse("");
        if (!MessageDigest.isEqual(sign(repoId + "|" + hash + "|" + chunkRange + "|" + expires)
                .getBytes(StandardCharsets.US_ASCII),
                call.query("sig").orElse("").getBytes(StandardCharsets.US_ASCII))
                || clock.instant().getEpochSecond() > expires) {
            throw new IncubatorException(ErrorCode.FORBIDDEN, "the xorb URL is invalid or expired; ask for the "
                    + "reconstruction again");
        }
        Repo repo = hub.repoById(repoId).orElseThrow(() -> IncubatorException.notFound("repository", repoId));
        List<XetIndex.Chunk> chunks = xet.xorb(repo, hash).orElseThrow(() -> IncubatorException.notFound("xorb",
                hash));
        long size = XetService.offsets(chunks)[chunks.size()];
        return context -> {
            long from = 0;
            long to = size - 1;
            String range = context.header("Range");
            if (range != null && !range.isBlank()) {
                Matcher matcher = RANGE.matcher(range.trim());
                if (!matcher.matches()) {
                    throw IncubatorException.validation("Range", "must be one range 'bytes=START-END'");
                }
                from = Long.parseLong(matcher.group(1));
                to = matcher.group(2).isEmpty() ? size - 1 : Math.min(size - 1, Long.parseLong(matcher.group(2)));
                if (from > to) {
                    context.header("Content-Range", "bytes */" + size);
                    throw new IncubatorException(ErrorCode.RANGE_NOT_SATISFIABLE, "range '" + range
                            + "' is outside the xorb's " + size + " bytes");
                }
                context.status(206);
                context.header("Content-Range", "bytes " + from + "-" + to + "/" + size);
            } else {
                context.status(200);
            }
            context.contentType("application/octet-stream");
            context.header("Content-Length", Long.toString(to - from + 1));
            try (OutputStream out = new BufferedOutputStream(context.outputStream(), 1 << 16)) {
                xet.copyXorb(repo, chunks, from, to, out);
            }
        };
    }

}
