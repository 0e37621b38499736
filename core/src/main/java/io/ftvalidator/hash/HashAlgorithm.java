package io.ftvalidator.hash;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The two 64-bit perceptual hashes, each bit-exact with its reference implementation. */
public enum HashAlgorithm {

    /**
     * Go {@code github.com/corona10/goimagehash} v1.1.0 {@code PerceptionHash}, on images decoded the
     * way Go's {@code image/png} and {@code image/jpeg} decode them.
     */
    GOIMAGEHASH("goimagehash"),

    /**
     * Python {@code imagehash.phash(hash_size=8)} on Pillow 9.4 and SciPy 1.10, on images decoded the
     * way Pillow (zlib, libjpeg-turbo) decodes them.
     */
    IMAGEHASH("imagehash");

    private final String cliName;

    HashAlgorithm(String cliName) {
        this.cliName = cliName;
    }

    /** The lower-case name used on the command line and in reports. */
    public String cliName() {
        return cliName;
    }

    /**
     * The algorithm with this command-line name (case-insensitive).
     *
     * @throws IllegalArgumentException naming the accepted names, for any other name
     */
    public static HashAlgorithm fromCliName(String name) {
        for (HashAlgorithm algorithm : values()) {
            if (algorithm.cliName.equals(name == null ? null : name.trim().toLowerCase(Locale.ROOT))) {
                return algorithm;
            }
        }
        String accepted = Arrays.stream(values()).map(HashAlgorithm::cliName).collect(Collectors.joining(", "));
        throw new IllegalArgumentException("unknown hash algorithm '" + name + "' (expected one of: " + accepted + ")");
    }

    @Override
    public String toString() {
        return cliName;
    }
}
