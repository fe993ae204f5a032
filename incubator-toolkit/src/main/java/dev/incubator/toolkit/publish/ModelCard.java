package dev.incubator.toolkit.publish;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;

/**
 * The README.md card of a published model: Hugging Face's front matter (base_model and datasets as the hub names
 * them, so lineage and its restrictions follow the model) with an {@code incubator} block of provenance, and a
 * body in English and Chinese that says how the model was made.
 */
public final class ModelCard {
    private ModelCard() {
    }

    /** What a publisher adds to the card: a licence (default: other), a summary of their own. */
    public record Options(Optional<String> license, Optional<String> summary) {
    }

    public static String render(String repository, Provenance provenance, Options options,
                                Optional<LlamaShapes.Config> model) {
        Map<String, Object> front = new LinkedHashMap<>();
        front.put("license", options.license().orElse("other"));
        front.put("language", List.of("zh", "en"));
        front.put("library_name", model.isPresent() ? "transformers" : "tokenizers");
        if (model.isPresent()) {
            front.put("pipeline_tag", "text-generation");
        }
        List<String> tags = new ArrayList<>(List.of("incubator"));
        provenance.template().ifPresent(name -> tags.add("incubator-template-" + name));
        model.ifPresent(config -> tags.add("llama"));
        front.put("tags", tags);
        if (!provenance.models().isEmpty()) {
            front.put("base_model", provenance.models().keySet().stream().map(ModelCard::hubName).toList());
        }
        if (!provenance.datasets().isEmpty()) {
            front.put("datasets", provenance.datasets().keySet().stream().map(ModelCard::hubName).toList());
        }
        Map<String, Object> incubator = new LinkedHashMap<>();
        incubator.put("job", provenance.jobId());
        incubator.put("attempt", provenance.attempt());
        incubator.put("organisation", provenance.organisation());
        incubator.put("submitted_by", provenance.submittedBy());
        incubator.put("published_by", provenance.publishedBy());
        provenance.template().ifPresent(name -> incubator.put("template", name));
        provenance.code().ifPresent(code -> incubator.put("code", code));
        provenance.codeHash().ifPresent(hash -> incubator.put("code_sha256", hash));
        Map<String, String> read = new LinkedHashMap<>();
        provenance.models().forEach(read::put);
        provenance.datasets().forEach(read::put);
        incubator.put("read", read);
        if (!provenance.params().isEmpty()) {
            incubator.put("params", new LinkedHashMap<>(provenance.params()));
        }
        incubator.put("gpu_hours", provenance.gpuHours().doubleValue());
        incubator.put("energy_kwh", provenance.energyKwh().doubleValue());
        provenance.startedAt().ifPresent(at -> incubator.put("started_at", at.toString()));
        incubator.put("finished_at", provenance.finishedAt().toString());
        if (!provenance.finalMetrics().isEmpty()) {
            incubator.put("final_metrics", new LinkedHashMap<>(provenance.finalMetrics()));
        }
        front.put("incubator", incubator);
        String yaml = new Dump(DumpSettings.builder().setDefaultFlowStyle(FlowStyle.BLOCK).setWidth(200).build())
                .dumpToString(front);

        String name = repository.substring(repository.lastIndexOf('/') + 1);
        StringBuilder body = new StringBuilder("---\n").append(yaml).append("---\n\n# ").append(name).append("\n\n");
        options.summary().ifPresent(summary -> body.append(summary.strip()).append("\n\n"));
        String what = model.map(config -> String.format(java.util.Locale.ROOT, "A llama-style language model (%,d"
                + " parameters: %d layers, hidden size %d, %d attention heads, %d key-value heads, vocabulary %d)",
                config.parameters(), config.layers(), config.hidden(), config.heads(), config.kvHeads(),
                config.vocab())).orElse("A byte-level BPE tokenizer");
        body.append(what).append(", made on Incubator by job `").append(provenance.jobId()).append("` (attempt ")
                .append(provenance.attempt()).append(") of ").append(provenance.organisation()).append(", submitted by ")
                .append(provenance.submittedBy()).append(provenance.template().map(t -> " from the `" + t
                        + "` template").orElse("")).append(".\n\n");
        body.append(model.isPresent() ? "由 Incubator 平台上的作业 `" : "由 Incubator 平台上的作业 `")
                .append(provenance.jobId()).append("` 训练生成").append(model.isPresent() ? "的 llama 式语言模型"
                        : "的字节级 BPE 分词器").append("；来源信息（代码、数据版本、超参数、算力）见下表，均由平台记录并写入审计日志。\n\n");
        body.append("## Provenance / 来源\n\n| | |\n|---|---|\n");
        row(body, "job / 作业", "`" + provenance.jobId() + "`, attempt " + provenance.attempt());
        provenance.code().ifPresent(code -> row(body, "code / 代码", "`" + code + "`"));
        provenance.codeHash().ifPresent(hash -> row(body, "code SHA-256", "`" + hash + "`"));
        provenance.models().forEach((repo, commit) -> row(body, "base model / 基座模型", "`" + repo + "@" + commit
                + "`"));
        provenance.datasets().forEach((repo, commit) -> row(body, "dataset / 数据集", "`" + repo + "@" + commit + "`"));
        row(body, "GPU-hours / GPU 时", provenance.gpuHours().toPlainString());
        row(body, "energy / 能耗 (kWh)", provenance.energyKwh().toPlainString());
        row(body, "finished / 完成于", provenance.finishedAt().toString());
        if (!provenance.finalMetrics().isEmpty()) {
            body.append("\n## Final metrics / 最终指标\n\n| metric | value |\n|---|---:|\n");
            provenance.finalMetrics().forEach((metric, value) -> body.append("| ").append(metric).append(" | ")
                    .append(String.format(java.util.Locale.ROOT, "%.4g", value)).append(" |\n"));
        }
        if (!provenance.params().isEmpty()) {
            body.append("\n## Hyperparameters / 超参数\n\n| name | value |\n|---|---|\n");
            provenance.params().forEach((param, value) -> body.append("| ").append(param).append(" | ")
                    .append(value == null ? "" : value).append(" |\n"));
        }
        body.append("\nThe restrictions of the data this model was trained on apply to it (lineage); see the"
                + " datasets' cards. / 训练数据的使用限制同样适用于本模型。\n");
        return body.toString();
    }

    private static void row(StringBuilder body, String name, String value) {
        body.append("| ").append(name).append(" | ").append(value).append(" |\n");
    }

    /** datasets/lab/corpus becomes lab/corpus, as cards name repositories. */
    static String hubName(String name) {
        int slash = name.indexOf('/');
        return slash < 0 ? name : name.substring(slash + 1);
    }
}
