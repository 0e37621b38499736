package io.ftvalidator.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.ftvalidator.cli.CommandLineErrorsTest.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ftval export} hands the work to python/export_bundle.py and reports its errors as one line;
 * the export itself is tested in python/test_export_bundle.py and the engine's ExportedBundleTest.
 */
class ExportCommandTest {

    @TempDir
    Path tmp;

    @Test
    void shouldReportTheExportersErrorAsOneLine() throws Exception {
        assumeThat(new ProcessBuilder("/usr/bin/python3", "-c", "import torch, numpy").start().waitFor())
                .as("/usr/bin/python3 with torch and numpy").isZero();
        Path missing = tmp.resolve("no-such-model");
        Run run = CommandLineErrorsTest.ftval("export", missing.toString(), tmp.resolve("out").toString());
        assertThat(run.exit()).isEqualTo(Ftval.FAILED);
        assertThat(run.err().strip()).isEqualTo("ftval: " + missing + " is neither a diffusers folder nor a checkpoint file");
        assertThat(Files.exists(tmp.resolve("out"))).isFalse();
    }

    @Test
    void shouldPrintItsUsageLikeEverySubcommand() {
        Run run = CommandLineErrorsTest.ftval("export", "--help");
        assertThat(run.exit()).isZero();
        assertThat(run.out()).startsWith("Usage: ftval export").contains("--dtype", "--tokenizer", "--config-dir");
        assertThat(CommandLineErrorsTest.ftval("render", "--help").out()).startsWith("Usage: ftval render");
    }

    @Test
    void shouldRefuseAnUnknownDtypeBeforeStartingPython() {
        Run run = CommandLineErrorsTest.ftval("export", tmp.toString(), tmp.resolve("out").toString(), "--dtype", "bfloat16");
        assertThat(run.exit()).isEqualTo(Ftval.FAILED);
        assertThat(run.err().strip()).isEqualTo("ftval: --dtype must be float32 or float16, not bfloat16");
    }
}
