package dev.incubator.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/** The tensors of a safetensors file as float arrays (F32 as is, F16 and BF16 widened), by Hugging Face name. */
public final class Weights {
    private final Map<String, float[]> tensors;
    private final Map<String, int[]> shapes;

    private Weights(Map<String, float[]> tensors, Map<String, int[]> shapes) {
        this.tensors = tensors;
        this.shapes = shapes;
    }

    public static Weights load(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            channel.read(length, 0);
            long headerBytes = length.getLong(0);
            if (headerBytes <= 0 || headerBytes > 100L * 1024 * 1024 || headerBytes > channel.size() - 8) {
                throw new IOException(file + ": not a safetensors file (header of " + headerBytes + " bytes)");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerBytes);
            channel.read(header, 8);
            JsonNode entries = new ObjectMapper().readTree(new String(header.array(), StandardCharsets.UTF_8));
            long base = 8 + headerBytes;
            ByteBuffer data = channel.map(FileChannel.MapMode.READ_ONLY, base, channel.size() - base)
                    .order(ByteOrder.LITTLE_ENDIAN);
            Map<String, float[]> tensors = new HashMap<>();
            Map<String, int[]> shapes = new HashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = entries.fields(); it.hasNext(); ) {
                var entry = it.next();
                if (entry.getKey().equals("__metadata__")) {
                    continue;
                }
                JsonNode tensor = entry.getValue();
                int[] shape = new int[tensor.path("shape").size()];
                long elements = 1;
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = tensor.path("shape").get(i).asInt();
                    elements *= shape[i];
                }
                int begin = (int) tensor.path("data_offsets").get(0).asLong();
                float[] values = new float[Math.toIntExact(elements)];
                String dtype = tensor.path("dtype").asText();
                switch (dtype) {
                    case "F32" -> data.slice(begin, values.length * 4).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer()
                            .get(values);
                    case "F16" -> {
                        for (int i = 0; i < values.length; i++) {
                            values[i] = Float.float16ToFloat(data.getShort(begin + 2 * i));
                        }
                    }
                    case "BF16" -> {
                        for (int i = 0; i < values.length; i++) {
                            values[i] = Float.intBitsToFloat((data.getShort(begin + 2 * i) & 0xffff) << 16);
                        }
                    }
                    default -> throw new IOException(file + ": tensor " + entry.getKey() + " has dtype " + dtype
                            + "; the built-in engine reads F32, F16 and BF16");
                }
                tensors.put(entry.getKey(), values);
                shapes.put(entry.getKey(), shape);
            }
            return new Weights(tensors, shapes);
        }
    }

    /** The tensor {@code name}, which must have {@code shape}; else an error naming both. */
    public float[] get(String name, int... shape) {
        float[] values = tensors.get(name);
        if (values == null) {
            throw new IllegalArgumentException("model.safetensors has no tensor " + name);
        }
        if (!java.util.Arrays.equals(shapes.get(name), shape)) {
            throw new IllegalArgumentException(name + " has shape " + java.util.Arrays.toString(shapes.get(name))
                    + " where config.json implies " + java.util.Arrays.toString(shape));
        }
        return values;
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }
}
