package io.ftvalidator.coordinator.fanout;

import io.ftvalidator.noise.Prompts;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The coordinator's own prompt pool ({@code ftval.prompt-pool}, one prompt per line), which images
 * draw from when a request gives no prompts; read once. Empty when none is configured: then a
 * request must bring its prompts.
 */
@ApplicationScoped
public class PromptPool {

    @ConfigProperty(name = "ftval.prompt-pool")
    Optional<Path> file;

    private List<String> prompts;

    public synchronized List<String> prompts() {
        if (prompts == null) {
            try {
                prompts = file.isEmpty() ? List.of() : Prompts.read(file.get());
            } catch (IOException e) {
                throw new UncheckedIOException("ftval.prompt-pool " + file.get() + " cannot be read", e);
            }
        }
        return prompts;
    }
}
