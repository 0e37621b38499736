package io.ftvalidator.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.junit.jupiter.api.Test;

/** The schemas themselves: what lets them evolve (docs/topics.md, schema evolution). */
class ContractSchemasTest {

    private static final List<Schema> CONTRACT = List.of(ValidationRequest.getClassSchema(), RenderJob.getClassSchema(),
            ImageScore.getClassSchema(), ValidationDecision.getClassSchema(), ValidationState.getClassSchema(),
            ImageRender.getClassSchema());

    @Test
    void shouldGiveEveryEnumADefaultSoItCanGainSymbols() {
        Set<String> enums = new TreeSet<>();
        List<String> withoutDefault = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        CONTRACT.forEach(s -> walk(s, seen, enums, withoutDefault));
        assertThat(enums).containsExactlyInAnyOrder("Rule", "HashAlgorithm", "DeviceKind", "Precision", "DecisionStatus", "Verdict");
        assertThat(withoutDefault).isEmpty();
    }

    @Test
    void shouldLetAReaderOfThisReleaseReadASymbolAddedLater() throws Exception {
        // a later release adds a verdict and a device kind; this release's classes read them as the defaults
        Schema newer = new Schema.Parser().parse(ValidationDecision.getClassSchema().toString()
                .replace("\"NO_CONSENSUS\",\"INCONCLUSIVE\"]", "\"NO_CONSENSUS\",\"INCONCLUSIVE\",\"SPLIT\"]")
                .replace("\"GPU\",\"OTHER\"]", "\"GPU\",\"OTHER\",\"NPU\"]"));
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(ValidationDecision.getClassSchema(), newer).getType())
                .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
        GenericRecord record = new GenericData.Record(newer);
        Schema provenance = newer.getField("renders").schema().getElementType();
        GenericRecord render = new GenericData.Record(provenance);
        render.put("imageIndex", 0);
        render.put("workerId", "w-1");
        render.put("deviceKind", new GenericData.EnumSymbol(provenance.getField("deviceKind").schema(), "NPU"));
        render.put("deviceName", "some NPU");
        record.put("validationId", "v-9");
        record.put("status", new GenericData.EnumSymbol(newer.getField("status").schema(), "DECIDED"));
        record.put("verdict", new GenericData.EnumSymbol(newer.getField("verdict").schema(), "SPLIT"));
        record.put("reason", "two camps");
        record.put("rule", new GenericData.EnumSymbol(newer.getField("rule").schema(), "MEAN"));
        record.put("threshold", 10.0);
        record.put("hashAlgorithm", new GenericData.EnumSymbol(newer.getField("hashAlgorithm").schema(), "GOIMAGEHASH"));
        record.put("images", 1);
        record.put("imagesDone", 1);
        record.put("missingImages", List.of());
        record.put("pairs", List.of());
        record.put("agreeing", List.of());
        record.put("outliers", List.of());
        record.put("failed", List.of());
        record.put("renders", List.of(render));
        record.put("decidedAtMillis", 5L);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(newer).write(record, encoder);
        encoder.flush();

        ValidationDecision read = new SpecificDatumReader<ValidationDecision>(newer, ValidationDecision.getClassSchema())
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
        assertThat(read.getVerdict()).isEqualTo(Verdict.INCONCLUSIVE);
        assertThat(read.getStatus()).isEqualTo(DecisionStatus.DECIDED);
        assertThat(read.getRenders().get(0).getDeviceKind()).isEqualTo(DeviceKind.OTHER);
        assertThat(read.getRenders().get(0).getDeviceName()).isEqualTo("some NPU");
    }

    private static void walk(Schema s, Set<String> seen, Set<String> enums, List<String> withoutDefault) {
        if (s.getType() == Schema.Type.RECORD && !seen.add(s.getFullName())) {
            return;
        }
        switch (s.getType()) {
            case ENUM -> {
                enums.add(s.getName());
                if (s.getEnumDefault() == null) {
                    withoutDefault.add(s.getFullName());
                }
            }
            case RECORD -> s.getFields().forEach(f -> walk(f.schema(), seen, enums, withoutDefault));
            case ARRAY -> walk(s.getElementType(), seen, enums, withoutDefault);
            case MAP -> walk(s.getValueType(), seen, enums, withoutDefault);
            case UNION -> s.getTypes().forEach(t -> walk(t, seen, enums, withoutDefault));
            default -> { }
        }
    }
}
