package io.ftvalidator.engine.hash;

/**
 * An encoded image that cannot be hashed: not a PNG or JPEG, truncated, corrupt, or a kind of
 * PNG/JPEG this package does not decode. The message is one line naming the problem, meant to be
 * shown as is (for example {@code "truncated PNG"} or {@code "unsupported JPEG: 12-bit samples"}).
 */
public final class ImageFormatException extends Exception {

    private static final long serialVersionUID = 1L;

    public ImageFormatException(String message) {
        super(message);
    }
}
