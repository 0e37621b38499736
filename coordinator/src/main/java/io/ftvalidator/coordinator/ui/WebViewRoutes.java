package io.ftvalidator.coordinator.ui;

import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * {@code /ui} leads to the list, {@code /ui/} (whose {@code index.html} the static handler serves):
 * the relative {@code ui/} keeps working behind a proxy that adds a path prefix.
 */
@ApplicationScoped
public class WebViewRoutes {

    void routes(@Observes Router router) {
        router.get("/ui").handler(rc -> {
            if (rc.normalizedPath().equals("/ui")) {
                rc.response().setStatusCode(302).putHeader("Location", "ui/").end();
            } else {
                rc.next(); // Vert.x matches "/ui/" here too: the static handler serves it
            }
        });
    }
}
