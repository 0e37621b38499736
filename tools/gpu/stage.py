#!/usr/bin/env python3
"""Stages a whole local cluster (the command line, the coordinator, the worker) for this workplace's
GPU machine, which has no Java and takes at most 64 MiB per call, working tree included.

  tools/gpu/stage.py pack     (here, after ./mvnw -DskipTests package -pl cli,coordinator,validator-worker -am)
  tools/gpu/stage.py unpack   (there; tools/gpu/run.sh calls it)

pack writes .gpu/ (ignored by git; the device tool carries it):
  jre.txz       a jlink runtime of the JDK here, with the modules the services need (xz over
                uncompressed modules: smaller than jlink's own compression)
  jars.txz      every jar once (by content), native libraries of other platforms left out, and
                pytorch-native-cpu emptied (the GPU machine's libtorch replaces it)
  layout.tsv    where each jar goes: cli/target/..., coordinator/target/quarkus-app/...,
                validator-worker/target/quarkus-app/...
  libdjl_torch.so.xz  DJL's JNI for the GPU machine's torch ($GPU_JNI, default ../shared/gpu-java/)
unpack puts the jars back where ./ftval's code looks for them (under the checkout), the runtime
in /tmp/jre and the JNI in /tmp. Nothing at run time there needs ../shared.
"""
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, ".gpu")
MODULES = ("java.base,java.desktop,java.instrument,java.logging,java.management,java.naming,java.net.http,java.security.jgss,"
           "java.security.sasl,java.sql,java.transaction.xa,java.xml,jdk.crypto.ec,jdk.management,jdk.naming.dns,"
           "jdk.net,jdk.security.auth,jdk.unsupported,jdk.zipfs,jdk.charsets")
NATIVE = (".so", ".dll", ".dylib", ".jnilib", ".a")


def needed():
    """(path under the checkout) for every file the three programs run from."""
    cli = os.path.join(ROOT, "cli", "target")
    with zipfile.ZipFile(os.path.join(cli, "ftval.jar")) as z:
        manifest = z.read("META-INF/MANIFEST.MF").decode().replace("\r\n ", "").replace("\n ", "")
    classpath = next(line for line in manifest.splitlines() if line.startswith("Class-Path:")).split()[1:]
    files = ["cli/target/ftval.jar"] + ["cli/target/" + p for p in classpath]
    for app in ("coordinator", "validator-worker"):
        top = os.path.join(ROOT, app, "target", "quarkus-app")
        for d, _, names in os.walk(top):
            files += [os.path.relpath(os.path.join(d, n), ROOT) for n in names]
    return files


def empty_jar():
    """Stands in for pytorch-native-cpu, which the class paths name: a jar without entries."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w"):
        pass
    return buf.getvalue()


def keep(entry):
    """A jar entry stays unless it is a native library of another platform than linux x86-64 (glibc)."""
    name = entry.lower()
    if not name.endswith(NATIVE):
        return True
    linux = "linux" in name
    x86 = any(a in name for a in ("x86_64", "x86-64", "amd64", "linux64"))
    return linux and x86 and "musl" not in name


def strip(path):
    """The jar without other platforms' native libraries, its entries stored uncompressed: xz over
    the whole store then compresses across jars (about 2.5x smaller than the jars as they are)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(path) as z, zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as w:
        for info in z.infolist():
            if keep(info.filename):
                out = zipfile.ZipInfo(info.filename, info.date_time)
                out.external_attr = info.external_attr
                w.writestr(out, z.read(info.filename), zipfile.ZIP_STORED)
    return buf.getvalue()


def pack():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    layout, seen, stored = [], set(), 0
    with tarfile.open(os.path.join(OUT, "jars.txz"), "w:xz", preset=9) as tar:
        for rel in needed():
            src = os.path.join(ROOT, rel)
            if "pytorch-native-cpu" in os.path.basename(rel):
                data = empty_jar()
            else:
                data = strip(src) if src.endswith(".jar") else open(src, "rb").read()
            digest = hashlib.sha256(data).hexdigest()[:32]
            layout.append("%s\t%s" % (digest, rel))
            if digest not in seen:
                seen.add(digest)
                info = tarfile.TarInfo(digest)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
                stored += len(data)
    with open(os.path.join(OUT, "layout.tsv"), "w") as f:
        f.write("\n".join(layout) + "\n")
    jni = os.environ.get("GPU_JNI", os.path.join(ROOT, "..", "shared", "gpu-java", "libdjl_torch.so"))
    subprocess.run("xz -9 -c '%s' > '%s'" % (jni, os.path.join(OUT, "libdjl_torch.so.xz")), shell=True, check=True)
    jre = "/tmp/ftval-jre"
    shutil.rmtree(jre, ignore_errors=True)
    subprocess.run(["jlink", "--add-modules", MODULES, "--strip-debug", "--no-man-pages", "--no-header-files",
                    "--compress=0", "--strip-native-debug-symbols=exclude-debuginfo-files", "--output", jre], check=True)
    subprocess.run(["tar", "cf", os.path.join(OUT, "jre.txz"), "-I", "xz -9 -T2", "-C", jre, "."], check=True)
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print("%d files, %d distinct, %.1f MB of jars; .gpu/ holds %.1f MB" % (len(layout), len(seen), stored / 1e6, total / 1e6))


def unpack():
    if not os.path.exists("/tmp/jre/bin/java"):
        os.makedirs("/tmp/jre", exist_ok=True)
        subprocess.run(["tar", "xJf", os.path.join(OUT, "jre.txz"), "-C", "/tmp/jre"], check=True)
    subprocess.run("xz -dc '%s' > /tmp/libdjl_torch.so" % os.path.join(OUT, "libdjl_torch.so.xz"), shell=True, check=True)
    store = "/tmp/ftval-jars"
    with tarfile.open(os.path.join(OUT, "jars.txz")) as tar:
        tar.extractall(store)
    for line in open(os.path.join(OUT, "layout.tsv")):
        digest, rel = line.rstrip("\n").split("\t")
        dst = os.path.join(ROOT, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copyfile(os.path.join(store, digest), dst)


if __name__ == "__main__":
    {"pack": pack, "unpack": unpack}[sys.argv[1]]()
