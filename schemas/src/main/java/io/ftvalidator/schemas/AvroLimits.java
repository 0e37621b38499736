package io.ftvalidator.schemas;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import org.apache.avro.SystemLimitException;

/**
 * Bounds what one Avro record may declare. Avro allocates what a length prefix declares before it
 * reads the items, so without a bound a few bytes declaring a billion items throw OutOfMemoryError
 * past every handler. Ours hold at most a few thousand items and short strings.
 *
 * <p>Avro 1.12 reads its limits from system properties once, when {@link SystemLimitException}
 * loads, and that happens at the first record decoded <em>or built</em> (a builder decodes its
 * fields' defaults): too early to rely on setting the properties later. {@link #install()} sets
 * them (a value given on the command line wins) and makes Avro read them again, so the bound holds
 * whatever ran first. Every serde of ours installs it before it reads a byte.
 */
public final class AvroLimits {

    /** The most items one array or map of a record may declare. */
    public static final int MAX_COLLECTION_ITEMS = 100_000;

    /** The longest string or byte array one field may declare. */
    public static final int MAX_STRING_BYTES = 1 << 20;

    private static volatile boolean installed;

    private AvroLimits() {}

    /** Sets the limits (unless given on the command line) and has Avro apply them now. */
    public static synchronized void install() {
        if (installed) {
            return;
        }
        setIfAbsent(SystemLimitException.MAX_COLLECTION_LENGTH_PROPERTY, MAX_COLLECTION_ITEMS);
        setIfAbsent(SystemLimitException.MAX_STRING_LENGTH_PROPERTY, MAX_STRING_BYTES);
        setIfAbsent(SystemLimitException.MAX_BYTES_LENGTH_PROPERTY, MAX_STRING_BYTES);
        try {
            // package-private in Avro 1.12: re-reads the properties into the limits it checks
            Method reset = SystemLimitException.class.getDeclaredMethod("resetLimits");
            reset.setAccessible(true);
            reset.invoke(null);
        } catch (NoSuchMethodException | IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot apply Avro's record limits (Avro " + SystemLimitException.class.getPackage()
                    .getImplementationVersion() + "): " + e, e);
        }
        installed = true;
    }

    /** Whether Avro refuses a collection longer than {@link #MAX_COLLECTION_ITEMS} right now. */
    public static boolean inEffect() {
        try {
            SystemLimitException.checkMaxCollectionLength(MAX_COLLECTION_ITEMS + 1L);
            return false;
        } catch (SystemLimitException refused) {
            return true;
        }
    }

    private static void setIfAbsent(String property, int value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, Integer.toString(value));
        }
    }
}
