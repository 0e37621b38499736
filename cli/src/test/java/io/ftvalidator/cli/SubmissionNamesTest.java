package io.ftvalidator.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A submission is named as given, else by its file, else, when file names clash, by its folder. */
class SubmissionNamesTest {

    private static List<String> ids(String... models) {
        return SubmissionArg.withUniqueIds(List.of(models).stream().map(SubmissionArg::parse).toList())
                .stream().map(SubmissionArg::id).toList();
    }

    @Test
    void shouldNameByFileWhenFileNamesDiffer() {
        assertThat(ids("runs/a/honest-1.safetensors", "runs/b/honest-2.safetensors")).containsExactly("honest-1", "honest-2");
    }

    @Test
    void shouldNameByFolderWhenFileNamesClash() {
        assertThat(ids("out/node-a/pytorch_lora_weights.safetensors", "out/node-b/pytorch_lora_weights.safetensors#sha256=" + "ab".repeat(32),
                "elsewhere/cheat.safetensors"))
                .containsExactly("node-a", "node-b", "cheat");
        // PEFT adapter folders are all called the same: named by the folder they are in
        assertThat(ids("node-a/adapter/", "node-b/adapter")).containsExactly("node-a", "node-b");
        // a remote model, by the folder of its URL's path
        assertThat(ids("https://models.example/node-a/adapter_model.safetensors#sha256=" + "ab".repeat(32),
                "https://models.example/node-b/adapter_model.safetensors#sha256=" + "cd".repeat(32)))
                .containsExactly("node-a", "node-b");
    }

    @Test
    void shouldNameByFolderAFileWhoseNameAnotherSubmissionWasGiven() {
        assertThat(ids("node-a=x/lora.safetensors", "node-b/node-a.safetensors")).containsExactly("node-a", "node-b");
    }

    @Test
    void shouldRefuseWhenFoldersClashToo() {
        assertThatThrownBy(() -> ids("a/run/pytorch_lora_weights.safetensors", "b/run/pytorch_lora_weights.safetensors"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("submissions a/run/pytorch_lora_weights.safetensors, b/run/pytorch_lora_weights.safetensors "
                        + "would all be named 'run': name each NAME=PATH");
        assertThatThrownBy(() -> ids("same=a.safetensors", "same=b.safetensors"))
                .hasMessage("submissions a.safetensors, b.safetensors would all be named 'same': name each NAME=PATH");
    }
}
