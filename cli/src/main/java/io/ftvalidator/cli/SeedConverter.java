package io.ftvalidator.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Seeds are unsigned 64-bit decimals: 0 .. 18446744073709551615. */
final class SeedConverter implements ITypeConverter<Long> {

    @Override
    public Long convert(String value) {
        try {
            return Long.parseUnsignedLong(value.trim());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is not a seed: use a decimal in 0..18446744073709551615");
        }
    }
}
