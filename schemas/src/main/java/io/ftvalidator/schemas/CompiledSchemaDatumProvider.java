package io.ftvalidator.schemas;

import io.apicurio.registry.serde.avro.AvroDatumProvider;
import io.apicurio.registry.serde.avro.AvroSerdeConfig;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * Apicurio's hook for how Avro data is read and written (Apicurio serdes 3.1.7,
 * {@code apicurio.registry.avro-datum-provider}): every record is read into the compiled class the
 * serde was made for, with that class's schema as the reader schema and the registry's schema of
 * the record as the writer schema. So a reader compiled on an older schema resolves a newer
 * writer's record by Avro's rules, and a record of another type is refused instead of being
 * returned as whatever class its writer named. Apicurio's default provider looks the reader class
 * up by the writer's name through Avro's global class loader instead.
 */
public final class CompiledSchemaDatumProvider<T extends SpecificRecord> implements AvroDatumProvider<T> {

    /** The configuration entry holding the record {@link Class} (set by {@link RegistrySerde}). */
    static final String RECORD_CLASS = "ftval.serde.record-class";

    private SpecificData model;
    private Schema readerSchema;
    private final Map<Long, DatumReader<T>> readers = new ConcurrentHashMap<>();

    @Override
    public void configure(AvroSerdeConfig config) {
        Object type = config.originals().get(RECORD_CLASS);
        if (!(type instanceof Class<?> recordClass) || !SpecificRecord.class.isAssignableFrom(recordClass)) {
            throw new IllegalStateException(RECORD_CLASS + " must name the SpecificRecord class to read, got " + type);
        }
        model = new SpecificData(recordClass.getClassLoader());
        readerSchema = model.getSchema(recordClass);
    }

    @Override
    public DatumWriter<T> createDatumWriter(T data, Schema schema) {
        return new SpecificDatumWriter<>(schema, model);
    }

    @Override
    public DatumReader<T> createDatumReader(Schema writerSchema) {
        return readers.computeIfAbsent(SchemaNormalization.parsingFingerprint64(writerSchema),
                fingerprint -> new SpecificDatumReader<>(writerSchema, readerSchema, model));
    }

    @Override
    public Schema toSchema(T data) {
        return data.getSchema();
    }
}
