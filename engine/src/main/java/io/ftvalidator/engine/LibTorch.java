package io.ftvalidator.engine;

import ai.djl.pytorch.jni.LibUtils;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two settings of libtorch itself that DJL has no API for, applied once after DJL has loaded it,
 * through libtorch's exported C++ symbols (libtorch 2.7.1, {@code ATen/Context.h} and
 * {@code c10/util/Logging.cpp}).
 *
 * <p><b>NNPACK off.</b> libtorch asks {@code at::_nnpack_available()} before every CPU convolution
 * unless NNPACK is disabled ({@code ConvParams::use_nnpack}, {@code ATen/native/ConvUtils.h}); on a
 * CPU where NNPACK cannot start (no AVX2, or a virtual machine that hides its caches) that call logs
 * "Could not initialize NNPACK! Reason: Unsupported hardware." on every convolution
 * ({@code ATen/native/NNPACK.cpp}). Our renders never run NNPACK anyway (it is only chosen for
 * batches of 16 or more; ours are 1 or 2), so turning it off changes no pixel and keeps the
 * convolution path the same on every machine. Python's equivalent is
 * {@code torch.backends.nnpack.set_flags(False)}.
 *
 * <p><b>The c10 log threshold.</b> libtorch logs to stderr through c10's {@code MessageLogger}
 * above {@code FLAGS_caffe2_log_level} (WARNING by default). PyTorch documents
 * {@code TORCH_CPP_LOG_LEVEL}, but only {@code c10::initLogging()} reads it, which Python's
 * {@code import torch} calls and DJL never does: when the variable is set we call it, so it works
 * as documented; otherwise the system property {@value #LOG_LEVEL} (INFO, WARNING, ERROR, FATAL or
 * 0 to 3) sets the threshold; with neither, libtorch keeps WARNING.
 */
final class LibTorch {

    /** libtorch's own log threshold for this process; {@code TORCH_CPP_LOG_LEVEL} wins when set. */
    static final String LOG_LEVEL = "ftval.torch.log-level";

    private static final Logger LOG = LoggerFactory.getLogger(LibTorch.class);
    private static boolean applied;

    private LibTorch() {}

    /** Applies both settings once; DJL's PyTorch engine must be loaded. A missing symbol is logged, not fatal. */
    static synchronized void apply() {
        if (applied) {
            return;
        }
        Optional<Integer> level = level(System.getProperty(LOG_LEVEL));
        applied = true;
        try {
            Path dir = Path.of(LibUtils.getLibtorchPath());
            NativeLibrary torch = NativeLibrary.getInstance(dir.resolve(System.mapLibraryName("torch_cpu")).toString());
            NativeLibrary c10 = NativeLibrary.getInstance(dir.resolve(System.mapLibraryName("c10")).toString());
            Pointer context = torch.getFunction("_ZN2at13globalContextEv").invokePointer(new Object[0]);
            torch.getFunction("_ZN2at7Context20setUserEnabledNNPACKEb").invokeVoid(new Object[] {context, Boolean.FALSE});
            if (System.getenv("TORCH_CPP_LOG_LEVEL") != null) {
                c10.getFunction("_ZN3c1011initLoggingEv").invokeVoid(new Object[0]);
            } else {
                level.ifPresent(l -> c10.getGlobalVariableAddress("FLAGS_caffe2_log_level").setInt(0, l));
            }
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("libtorch's NNPACK and log settings could not be applied ({}); it may log on stderr", e.toString());
        }
    }

    /** Whether libtorch would consider NNPACK for a convolution ({@code at::Context::userEnabledNNPACK}). */
    static boolean nnpackEnabled() {
        NativeLibrary torch = NativeLibrary.getInstance(Path.of(LibUtils.getLibtorchPath()).resolve(System.mapLibraryName("torch_cpu")).toString());
        Pointer context = torch.getFunction("_ZN2at13globalContextEv").invokePointer(new Object[0]);
        // a C++ bool comes back in the low byte only
        return (Byte) torch.getFunction("_ZNK2at7Context17userEnabledNNPACKEv").invoke(Byte.class, new Object[] {context}) != 0;
    }

    /** libtorch's current log threshold: 0 INFO, 1 WARNING, 2 ERROR, 3 FATAL. */
    static int logLevel() {
        NativeLibrary c10 = NativeLibrary.getInstance(Path.of(LibUtils.getLibtorchPath()).resolve(System.mapLibraryName("c10")).toString());
        return c10.getGlobalVariableAddress("FLAGS_caffe2_log_level").getInt(0);
    }

    /** c10's numbering of a level name or digit; empty for none, an error naming the accepted values otherwise. */
    static Optional<Integer> level(String text) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(switch (text.trim().toUpperCase(Locale.ROOT)) {
            case "0", "INFO" -> 0;
            case "1", "WARNING", "WARN" -> 1;
            case "2", "ERROR" -> 2;
            case "3", "FATAL" -> 3;
            default -> throw new EngineException(EngineException.Kind.BAD_INPUT,
                    LOG_LEVEL + " must be INFO, WARNING, ERROR or FATAL (or 0 to 3), got '" + text + "'");
        });
    }
}
