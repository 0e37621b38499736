package io.ftvalidator.coordinator.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ApiKeysTest {

    @Test
    void shouldKnowEachRequesterByItsKeysHashesOnlyTwoKeysDuringARotation() {
        String old = ApiKeys.hash("old-key");
        String fresh = ApiKeys.hash("new-key");
        Map<String, String> byHash = ApiKeys.parse(Map.of("billing", old + ", " + fresh, "\"ui.web\"", ApiKeys.hash("ui")));
        assertThat(byHash).containsEntry(old, "billing").containsEntry(fresh, "billing").containsEntry(ApiKeys.hash("ui"), "ui.web");
        assertThat(byHash).doesNotContainKey("old-key");
        assertThat(ApiKeys.hash("abc")).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void shouldRefuseToStartWithMalformedKeysListingEach() {
        String h = ApiKeys.hash("k");
        assertThatThrownBy(() -> ApiKeys.parse(Map.of("a", "not-a-hash", "b c", h, "d", h)))
                .hasMessageContaining("ftval.auth.api-keys.a: each key is given as its SHA-256, 64 lower-case hex digits")
                .hasMessageContaining("ftval.auth.api-keys.b c: a requester's name is letters, digits and . _ - (64 at most)");
        assertThatThrownBy(() -> ApiKeys.parse(Map.of("a", h, "d", h))).hasMessageContaining("a key hash is listed twice");
    }
}
