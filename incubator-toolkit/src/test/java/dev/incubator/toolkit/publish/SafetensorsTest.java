package dev.incubator.toolkit.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SafetensorsTest {
    /** A safetensors file of the given F32 tensors (name to shape), laid out as the format says. */
    private static byte[] file(Map<String, List<Long>> tensors, long extraBytes) {
        StringBuilder header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        for (var entry : tensors.entrySet()) {
            long bytes = entry.getValue().stream().reduce(1L, Math::multiplyExact) * 4;
            header.append(",\"").append(entry.getKey()).append("\":{\"dtype\":\"F32\",\"shape\":")
                    .append(entry.getValue()).append(",\"data_offsets\":[").append(offset).append(',')
                    .append(offset + bytes).append("]}");
            offset += bytes;
        }
        header.append('}');
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
        out.writeBytes(json);
        out.writeBytes(new byte[(int) (offset + extraBytes)]);
        return out.toByteArray();
    }

    private static Safetensors.Header read(byte[] bytes) throws Exception {
        return Safetensors.read(new ByteArrayInputStream(bytes), bytes.length);
    }

    private static final LlamaShapes.Config TINY = LlamaShapes.config(Map.of("model_type", "llama", "vocab_size", 10,
            "hidden_size", 8, "intermediate_size", 16, "num_hidden_layers", 1, "num_attention_heads", 2,
            "num_key_value_heads", 1));

    @Test
    void aCheckpointWithEveryTensorOfItsConfigPasses() throws Exception {
        Map<String, List<Long>> shapes = LlamaShapes.expected(TINY);
        assertThat(shapes).containsEntry("model.layers.0.self_attn.k_proj.weight", List.of(4L, 8L))
                .containsEntry("lm_head.weight", List.of(10L, 8L)).hasSize(12);
        Safetensors.Header header = read(file(shapes, 0));
        assertThat(header.metadata()).containsEntry("format", "pt");
        assertThat(LlamaShapes.mismatches(TINY, header)).isEmpty();
        assertThat(TINY.parameters()).isEqualTo(2 * 10 * 8 + 3 * 8 + 8 * 8 + 2 * 4 * 8 + 8 * 8 + 3 * 16 * 8);
    }

    @Test
    void missingMisshapenAndForeignTensorsAreEachNamed() throws Exception {
        Map<String, List<Long>> shapes = new LinkedHashMap<>(LlamaShapes.expected(TINY));
        shapes.remove("model.norm.weight");
        shapes.put("model.layers.0.mlp.up_proj.weight", List.of(8L, 16L));
        shapes.put("model.layers.1.mlp.up_proj.weight", List.of(16L, 8L));
        assertThat(LlamaShapes.mismatches(TINY, read(file(shapes, 0)))).containsExactlyInAnyOrder(
                "model.norm.weight is missing",
                "model.layers.0.mlp.up_proj.weight has shape [8, 16] where config.json implies [16, 8]",
                "model.layers.1.mlp.up_proj.weight is not a tensor of this config");
    }

    @Test
    void aFileThatIsNotWhatItsHeaderSaysIsRefused() {
        Map<String, List<Long>> shapes = Map.of("a", List.of(2L, 2L));
        assertThatThrownBy(() -> read(file(shapes, 3))).hasMessageContaining("the file has");
        byte[] truncated = java.util.Arrays.copyOf(file(shapes, 0), 30);
        assertThatThrownBy(() -> read(truncated)).isInstanceOf(Safetensors.InvalidModelException.class);
        byte[] hostile = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE).array();
        assertThatThrownBy(() -> read(hostile)).hasMessageContaining("can not hold");
        String overlapping = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        assertThatThrownBy(() -> read(raw(overlapping, 8))).hasMessageContaining("contiguous");
        String wrongSize = "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,4]}}";
        assertThatThrownBy(() -> read(raw(wrongSize, 4))).hasMessageContaining("needs 12 bytes");
        String unknown = "{\"a\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,1]}}";
        assertThatThrownBy(() -> read(raw(unknown, 1))).hasMessageContaining("dtype Q4");
    }

    @Test
    void aConfigThatIsNotLlamaIsRefusedNamingItsProblems() {
        assertThatThrownBy(() -> LlamaShapes.config(Map.of("model_type", "gpt2", "hidden_size", -1)))
                .hasMessageContaining("model_type is gpt2").hasMessageContaining("hidden_size is -1")
                .hasMessageContaining("vocab_size is missing");
    }

    private static byte[] raw(String json, int dataBytes) {
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(header.length).put(header);
        return buffer.array();
    }
}
