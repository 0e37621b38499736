#!/usr/bin/env python3
"""A client of the ftvalidator cluster over its Kafka topics, in Python.

It needs only Debian's python3-confluent-kafka (1.7.0, librdkafka) and python3-avro (1.11.1):

  ftval_client.py validate --bootstrap HOST:PORT (--registry URL | --schemas DIR)
        --id ID --base URI#SHA256 --model NAME=URI#SHA256 [--model ...]
        [--images N] [--seed S] [--prompt P ...] [--rule MEAN|EVERY_IMAGE] [--timeout SECONDS]
    writes a ValidationRequest to ftval.validation-requests (key: the id), waits for its
    ValidationDecision on ftval.validation-decisions and prints it as JSON.

  kcat -C -b HOST:PORT -t ftval.validation-decisions -e -q -f '%K\\t%k%R%s' |
      ftval_client.py decode (--registry URL | --schemas DIR)
    prints each record kcat read as one JSON line {"key": ..., "value": ...}.

Encodings (docs/integration.md):
  --registry URL: the schema registry wire format, byte 0, the 4-byte big-endian schema id, the Avro
    binary body. URL is a Confluent-compatible registry API (Apicurio's /apis/ccompat/v7). Requests
    are written with the latest schema registered for ftval.validation-requests-value; decisions are
    read with the schema their id names.
  --schemas DIR: Avro single-object encoding, with the published .avsc files (schemas/src/main/avro):
    C3 01, the CRC-64-AVRO fingerprint of the writer schema's canonical form (little-endian), the
    body; the writer schema also travels in the record header ftval.avro.schema.
"""

import argparse
import io
import json
import struct
import sys
import time
import urllib.parse
import urllib.request
import uuid

import avro.io
import avro.name
import avro.schema
from confluent_kafka import Consumer, KafkaException, Producer

REQUESTS = "ftval.validation-requests"
DECISIONS = "ftval.validation-decisions"
SCHEMA_HEADER = "ftval.avro.schema"
SCHEMA_FILES = ["common.avsc", "image-score.avsc", "validation-request.avsc", "validation-decision.avsc"]


# --- CRC-64-AVRO (the Avro specification's schema fingerprint) ------------------------------

_EMPTY = 0xC15D213AA4D7A795


def _fingerprint_table():
    table = []
    for i in range(256):
        fp = i
        for _ in range(8):
            fp = (fp >> 1) ^ (_EMPTY & -(fp & 1))
        table.append(fp)
    return table


_TABLE = _fingerprint_table()


def fingerprint64(text):
    fp = _EMPTY
    for byte in text.encode("utf-8"):
        fp = (fp >> 8) ^ _TABLE[(fp ^ byte) & 0xFF]
    return fp


# --- the two encodings ----------------------------------------------------------------------

class Registry:
    """Records in the schema registry wire format, schemas from a Confluent-compatible API."""

    def __init__(self, url):
        self.url = url.rstrip("/")
        self.by_id = {}

    def _get(self, path):
        with urllib.request.urlopen(self.url + path, timeout=30) as r:
            return json.load(r)

    def schema(self, schema_id):
        if schema_id not in self.by_id:
            self.by_id[schema_id] = avro.schema.parse(self._get("/schemas/ids/%d" % schema_id)["schema"])
        return self.by_id[schema_id]

    def encode(self, topic, datum):
        latest = self._get("/subjects/%s/versions/latest" % urllib.parse.quote(topic + "-value", safe=""))
        schema = avro.schema.parse(latest["schema"])
        body = io.BytesIO()
        avro.io.DatumWriter(schema).write(with_defaults(schema, datum), avro.io.BinaryEncoder(body))
        return struct.pack(">bI", 0, latest["id"]) + body.getvalue(), []

    def decode(self, data, headers):
        if len(data) < 5 or data[0] != 0:
            raise ValueError("not in the registry wire format (first byte %r)" % data[:1])
        schema_id = struct.unpack(">I", data[1:5])[0]
        return avro.io.DatumReader(self.schema(schema_id)).read(avro.io.BinaryDecoder(io.BytesIO(data[5:])))


class SingleObject:
    """Avro single-object encoding with the published .avsc files."""

    def __init__(self, folder):
        names = avro.name.Names()
        for name in SCHEMA_FILES:
            with open(folder.rstrip("/") + "/" + name, encoding="utf-8") as f:
                avro.schema.make_avsc_object(json.load(f), names)
        self.schemas = {
            REQUESTS: names.get_name("ValidationRequest", "io.ftvalidator.schemas"),
            DECISIONS: names.get_name("ValidationDecision", "io.ftvalidator.schemas"),
        }

    def encode(self, topic, datum):
        schema = self.schemas[topic]
        canonical = schema.canonical_form
        body = io.BytesIO()
        avro.io.DatumWriter(schema).write(with_defaults(schema, datum), avro.io.BinaryEncoder(body))
        return b"\xc3\x01" + struct.pack("<Q", fingerprint64(canonical)) + body.getvalue(), [(SCHEMA_HEADER, canonical.encode("utf-8"))]

    def decode(self, data, headers, topic=DECISIONS):
        if len(data) < 10 or data[:2] != b"\xc3\x01":
            raise ValueError("not in Avro single-object encoding (first bytes %r)" % data[:2])
        reader = self.schemas[topic]
        writer = reader
        if struct.unpack("<Q", data[2:10])[0] != fingerprint64(reader.canonical_form):
            carried = dict(headers or []).get(SCHEMA_HEADER)
            if carried is None:
                raise ValueError("a writer schema this client does not have, and no %s header" % SCHEMA_HEADER)
            writer = avro.schema.parse(carried.decode("utf-8"))
        return avro.io.DatumReader(writer, reader).read(avro.io.BinaryDecoder(io.BytesIO(data[10:])))


def with_defaults(schema, datum):
    """The record datum with every field it leaves out set to the schema's default."""
    if isinstance(schema, avro.schema.RecordSchema) and isinstance(datum, dict):
        out = {}
        for field in schema.fields:
            if field.name in datum:
                out[field.name] = with_defaults(field.type, datum[field.name])
            elif field.has_default:
                out[field.name] = field.default
            else:
                raise ValueError("%s needs the field %s" % (schema.name, field.name))
        return out
    if isinstance(schema, avro.schema.ArraySchema) and isinstance(datum, list):
        return [with_defaults(schema.items, d) for d in datum]
    if isinstance(schema, avro.schema.UnionSchema):
        for branch in schema.schemas:
            if isinstance(branch, avro.schema.RecordSchema) and isinstance(datum, dict):
                return with_defaults(branch, datum)
    return datum


def codec(args):
    return Registry(args.registry) if args.registry else SingleObject(args.schemas)


# --- commands -------------------------------------------------------------------------------

def model_arg(text):
    uri, _, sha = text.partition("#")
    if len(sha) != 64:
        raise argparse.ArgumentTypeError("expected URI#SHA256, got %r" % text)
    return uri, sha


def submission_arg(text):
    name, _, rest = text.partition("=")
    if not name or not rest:
        raise argparse.ArgumentTypeError("expected NAME=URI#SHA256, got %r" % text)
    return (name,) + model_arg(rest)


def validate(args):
    enc = codec(args)
    base_uri, base_sha = args.base
    now = int(time.time() * 1000)
    request = {
        "validationId": args.id,
        "submissions": [{"id": n, "modelUri": u, "sha256": s, "baseModelUri": base_uri, "baseSha256": base_sha}
                        for n, u, s in args.model],
        "seed": args.seed,
        "images": args.images,
        "prompts": args.prompt,
        "settings": {},
        "rule": args.rule,
        "deadlineMillis": now + args.timeout * 1000,
        "requestedAtMillis": now,
    }
    consumer = Consumer({
        "bootstrap.servers": args.bootstrap,
        "group.id": "ftval-client-" + str(uuid.uuid4()),
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "isolation.level": "read_committed",
    })
    consumer.subscribe([DECISIONS])
    try:
        value, headers = enc.encode(REQUESTS, request)
        # murmur2_random: the Java client's partitioner. Requests and scores must meet in the same
        # partition; librdkafka's default (CRC32) would put the request elsewhere than the scores
        producer = Producer({"bootstrap.servers": args.bootstrap, "acks": "all", "enable.idempotence": True,
                             "compression.type": "zstd", "partitioner": "murmur2_random"})
        delivered = []
        producer.produce(REQUESTS, key=args.id.encode("utf-8"), value=value, headers=headers,
                         on_delivery=lambda err, msg: delivered.append(err))
        producer.flush(30)
        if delivered != [None]:
            raise KafkaException(delivered[0] if delivered else "the request was not delivered in 30 s")
        deadline = time.time() + args.timeout
        while time.time() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                raise KafkaException(msg.error())
            if msg.key() == args.id.encode("utf-8") and msg.value() is not None:
                json.dump(enc.decode(msg.value(), msg.headers()), sys.stdout, indent=2, sort_keys=True)
                print()
                return 0
        print("no decision for %s on %s in %d s" % (args.id, DECISIONS, args.timeout), file=sys.stderr)
        return 2
    finally:
        consumer.close()


def decode(args):
    """Reads kcat's -f '%K\\t%k%R%s' frames from standard input."""
    enc = codec(args)
    stream = sys.stdin.buffer
    while True:
        length = b""
        while True:
            c = stream.read(1)
            if not c:
                if length:
                    raise ValueError("input ends inside a frame")
                return 0
            if c == b"\t":
                break
            length += c
        key_length = int(length)
        key = stream.read(key_length).decode("utf-8") if key_length >= 0 else None
        (size,) = struct.unpack(">i", stream.read(4))
        value = None if size < 0 else enc.decode(stream.read(size), None)
        print(json.dumps({"key": key, "value": value}, sort_keys=True))


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("validate", "decode"):
        p = sub.add_parser(name)
        source = p.add_mutually_exclusive_group(required=True)
        source.add_argument("--registry", help="a Confluent-compatible registry API, e.g. http://registry:8080/apis/ccompat/v7")
        source.add_argument("--schemas", help="the folder of the published .avsc files (single-object encoding)")
        if name == "validate":
            p.add_argument("--bootstrap", required=True)
            p.add_argument("--id", default=None, help="the validation id (default: a new UUID)")
            p.add_argument("--base", required=True, type=model_arg, help="the base bundle: URI#SHA256")
            p.add_argument("--model", required=True, action="append", type=submission_arg, help="NAME=URI#SHA256, repeated")
            p.add_argument("--images", type=int, default=2)
            p.add_argument("--seed", type=int, default=42)
            p.add_argument("--prompt", action="append", default=[])
            p.add_argument("--rule", default="MEAN", choices=["MEAN", "EVERY_IMAGE"])
            p.add_argument("--timeout", type=int, default=300, help="seconds to wait for the decision")
    args = parser.parse_args(argv)
    if args.command == "validate":
        args.id = args.id or str(uuid.uuid4())
        return validate(args)
    return decode(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
