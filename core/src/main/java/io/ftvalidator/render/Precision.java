package io.ftvalidator.render;

import java.util.Arrays;

/** The floating-point precision a render runs in; every score records it. */
public enum Precision {
    FLOAT32("float32"),
    FLOAT16("float16");

    private final String id;

    Precision(String id) {
        this.id = id;
    }

    /** The name used in settings and on the command line. */
    public String id() {
        return id;
    }

    public static Precision parse(String name) {
        String n = name.trim().toLowerCase();
        return Arrays.stream(values()).filter(p -> p.id.equals(n)).findFirst().orElseThrow(() -> new IllegalArgumentException(
                "unknown precision '" + name + "': use float32 or float16"));
    }
}
