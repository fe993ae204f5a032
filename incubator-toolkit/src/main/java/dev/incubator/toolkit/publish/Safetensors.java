package dev.incubator.toolkit.publish;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The header of a safetensors file (8-byte little-endian length, then JSON naming each tensor's dtype, shape and
 * byte range), read and checked: known dtypes, byte ranges that match the shapes, are contiguous from zero, and
 * end where the file ends.
 */
public final class Safetensors {
    /** Longest header read; real ones are kilobytes. */
    public static final int MAX_HEADER_BYTES = 16 * 1024 * 1024;
    private static final Map<String, Integer> DTYPE_BYTES = Map.ofEntries(Map.entry("F64", 8), Map.entry("F32", 4),
            Map.entry("F16", 2), Map.entry("BF16", 2), Map.entry("I64", 8), Map.entry("I32", 4), Map.entry("I16", 2),
            Map.entry("I8", 1), Map.entry("U8", 1), Map.entry("BOOL", 1), Map.entry("F8_E4M3", 1),
            Map.entry("F8_E5M2", 1));

    public record Tensor(String name, String dtype, List<Long> shape, long begin, long end) {
        public long elements() {
            return shape.stream().reduce(1L, Math::multiplyExact);
        }
    }

    /** The tensors by name, and the header's metadata. */
    public record Header(Map<String, Tensor> tensors, Map<String, String> metadata, long headerBytes) {
    }

    private Safetensors() {
    }

    /** Reads and checks the header of a file of {@code fileSize} bytes; throws with what is wrong. */
    @SuppressWarnings("unchecked")
    public static Header read(InputStream in, long fileSize) throws IOException {
        byte[] prefix = in.readNBytes(8);
        if (prefix.length < 8) {
            throw new InvalidModelException("model.safetensors is shorter than its 8-byte header length");
        }
        long length = ByteBuffer.wrap(prefix).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (length <= 0 || length > MAX_HEADER_BYTES || length > fileSize - 8) {
            throw new InvalidModelException("model.safetensors declares a header of " + length + " bytes, which a "
                    + fileSize + "-byte file can not hold (at most " + MAX_HEADER_BYTES + ")");
        }
        byte[] json = in.readNBytes((int) length);
        Object parsed;
        try {
            parsed = new Load(LoadSettings.builder().setLabel("model.safetensors").build())
                    .loadFromString(new String(json, StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            throw new InvalidModelException("model.safetensors: the header is not JSON: " + e.getMessage());
        }
        if (!(parsed instanceof Map<?, ?> entries)) {
            throw new InvalidModelException("model.safetensors: the header is not a JSON object");
        }
        Map<String, Tensor> tensors = new TreeMap<>();
        Map<String, String> metadata = new TreeMap<>();
        for (var entry : ((Map<String, Object>) entries).entrySet()) {
            if (entry.getKey().equals("__metadata__")) {
                if (entry.getValue() instanceof Map<?, ?> values) {
                    values.forEach((key, value) -> metadata.put(String.valueOf(key), String.valueOf(value)));
                }
                continue;
            }
            tensors.put(entry.getKey(), tensor(entry.getKey(), entry.getValue()));
        }
        List<Tensor> ordered = new ArrayList<>(tensors.values());
        ordered.sort(Comparator.comparingLong(Tensor::begin));
        long expected = 0;
        for (Tensor tensor : ordered) {
            if (tensor.begin() != expected) {
                throw new InvalidModelException("model.safetensors: tensor " + tensor.name() + " starts at byte "
                        + tensor.begin() + ", not " + expected + " (tensors must be contiguous)");
            }
            expected = tensor.end();
        }
        if (8 + length + expected != fileSize) {
            throw new InvalidModelException("model.safetensors: the tensors end at byte " + (8 + length + expected)
                    + " but the file has " + fileSize);
        }
        return new Header(tensors, metadata, length);
    }

    @SuppressWarnings("unchecked")
    private static Tensor tensor(String name, Object value) {
        if (!(value instanceof Map<?, ?> map)) {
            throw new InvalidModelException("model.safetensors: " + name + " is not a tensor entry");
        }
        Object dtype = map.get("dtype");
        Integer size = dtype instanceof String text ? DTYPE_BYTES.get(text) : null;
        if (size == null) {
            throw new InvalidModelException("model.safetensors: " + name + " has dtype " + dtype + "; known: "
                    + new TreeMap<>(DTYPE_BYTES).keySet());
        }
        List<Long> shape = new ArrayList<>();
        if (!(map.get("shape") instanceof List<?> dims)) {
            throw new InvalidModelException("model.safetensors: " + name + " has no shape");
        }
        for (Object dim : dims) {
            if (!(dim instanceof Number number) || number.longValue() < 0) {
                throw new InvalidModelException("model.safetensors: " + name + " has shape " + dims);
            }
            shape.add(number.longValue());
        }
        if (!(map.get("data_offsets") instanceof List<?> offsets) || offsets.size() != 2
                || !(offsets.get(0) instanceof Number begin) || !(offsets.get(1) instanceof Number end)) {
            throw new InvalidModelException("model.safetensors: " + name + " has no data_offsets [begin, end]");
        }
        Tensor tensor = new Tensor(name, (String) dtype, List.copyOf(shape), begin.longValue(), end.longValue());
        long bytes;
        try {
            bytes = Math.multiplyExact(tensor.elements(), size);
        } catch (ArithmeticException e) {
            throw new InvalidModelException("model.safetensors: " + name + " is impossibly large");
        }
        if (tensor.end() - tensor.begin() != bytes) {
            throw new InvalidModelException("model.safetensors: " + name + " of shape " + shape + " in " + dtype
                    + " needs " + bytes + " bytes but spans " + (tensor.end() - tensor.begin()));
        }
        return tensor;
    }

    /** A model file that is not what it claims. */
    public static final class InvalidModelException extends RuntimeException {
        public InvalidModelException(String message) {
            super(message);
        }
    }
}
