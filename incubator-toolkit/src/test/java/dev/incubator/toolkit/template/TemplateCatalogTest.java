package dev.incubator.toolkit.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.incubator.common.FieldError;
import dev.incubator.common.IncubatorException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TemplateCatalogTest {
    private final TemplateCatalog catalog = TemplateCatalog.builtIn();

    @Test
    void theBuiltInCatalogHasTheThreeTemplatesEachWithItsScriptAndTheSharedPackage() {
        assertThat(catalog.list()).extracting(Template::name).containsExactly("finetune", "pretrain", "tokenizer");
        for (Template template : catalog.list()) {
            assertThat(template.files()).containsKey(template.script())
                    .containsKeys("incubator_toolkit/__init__.py", "incubator_toolkit/platform.py");
            assertThat(template.command()).containsExactly("python3", template.script());
            assertThat(template.summaryZh()).isNotEqualTo(template.summary());
            assertThat(template.parameters()).allSatisfy(parameter -> assertThat(parameter.description()).isNotBlank());
        }
        assertThat(catalog.get("pretrain").files().keySet()).noneMatch(path -> path.startsWith("finetune/"));
    }

    @Test
    void aFilledTemplateHasEveryParameterDefaultsIncludedAndMountsItsRepositories() {
        var filled = TemplateCatalog.fill(catalog.get("finetune"), Map.of("base", "models/lab/tiny@v1", "data",
                "datasets/lab/chat", "method", "lora", "lora.rank", "4", "learning_rate", "3e-4"));
        assertThat(filled.params()).containsEntry("lora.rank", 4L).containsEntry("method", "lora")
                .containsEntry("steps", 100).containsKey("seed");
        assertThat(((Number) filled.params().get("learning_rate")).doubleValue()).isEqualTo(3e-4);
        assertThat(filled.mounts()).containsExactly("models/lab/tiny@v1", "datasets/lab/chat");
    }

    @Test
    void everyWrongParameterIsReportedAtOnceUnderItsName() {
        assertThatThrownBy(() -> TemplateCatalog.fill(catalog.get("pretrain"), Map.of("model.layerz", "3",
                "steps", "-1", "learning_rate", "fast", "tokenizer", "datasets/lab/tok")))
                .isInstanceOfSatisfying(IncubatorException.class, e -> assertThat(e.fieldErrors())
                        .extracting(FieldError::field).containsExactlyInAnyOrder("parameters.model.layerz",
                                "parameters.steps", "parameters.learning_rate", "parameters.tokenizer",
                                "parameters.data"));
        assertThatThrownBy(() -> TemplateCatalog.fill(catalog.get("finetune"), Map.of("base", "models/a/b", "data",
                "datasets/a/c", "method", "qlora")))
                .hasMessageContaining("must be one of full, lora, not 'qlora'");
        assertThatThrownBy(() -> catalog.get("rlhf")).hasMessageContaining("the templates are finetune, pretrain,"
                + " tokenizer");
    }

    @Test
    void parameterValuesAreCheckedByType() {
        Parameter layers = catalog.get("pretrain").parameter("model.layers").orElseThrow();
        assertThat(layers.parse("4").value()).contains(4L);
        assertThat(layers.parse("0").problem()).hasValueSatisfying(problem -> assertThat(problem)
                .contains("from 1 to 128"));
        assertThat(layers.parse("2.5").problem()).isPresent();
        Parameter data = catalog.get("pretrain").parameter("data").orElseThrow();
        assertThat(data.parse("datasets/lab/corpus@main").value()).contains("datasets/lab/corpus@main");
        for (String bad : List.of("lab/corpus", "datasets/lab", "datasets/../x", "models/lab/corpus",
                "datasets/lab/corpus/extra")) {
            assertThat(data.parse(bad).problem()).as(bad).isPresent();
        }
    }
}
