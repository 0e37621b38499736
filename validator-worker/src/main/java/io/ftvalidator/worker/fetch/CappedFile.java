package io.ftvalidator.worker.fetch;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A response body written to a file, refused as soon as it passes a size cap (the declared length is
 * checked first, then every byte that actually comes): the download stops there, nothing larger is
 * ever written. {@link #abort()} stops it from outside, at the deadline.
 */
final class CappedFile implements HttpResponse.BodySubscriber<Path> {

    /** The body passed the cap. */
    static final class TooLarge extends IOException {
        TooLarge(long cap) {
            super("larger than " + cap + " bytes");
        }
    }

    private final Path file;
    private final long cap;
    private final long declared;
    private final CompletableFuture<Path> result = new CompletableFuture<>();
    private volatile Flow.Subscription subscription;
    private FileChannel channel;
    private long written;

    /** @param declared the Content-Length, or -1 */
    CappedFile(Path file, long cap, long declared) {
        this.file = file;
        this.cap = cap;
        this.declared = declared;
    }

    @Override
    public CompletionStage<Path> getBody() {
        return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (declared > cap) {
            fail(new TooLarge(cap));
            return;
        }
        try {
            channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.CREATE);
            s.request(1);
        } catch (IOException e) {
            fail(e);
        }
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
        if (result.isDone()) {
            return;
        }
        try {
            for (ByteBuffer b : buffers) {
                written += b.remaining();
                if (written > cap) {
                    fail(new TooLarge(cap));
                    return;
                }
                while (b.hasRemaining()) {
                    channel.write(b);
                }
            }
            subscription.request(1);
        } catch (IOException e) {
            fail(e);
        }
    }

    @Override
    public void onError(Throwable t) {
        close();
        result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
        close();
        result.complete(file);
    }

    /** Stops the download (its deadline passed). */
    void abort() {
        fail(new IOException("aborted"));
    }

    private void fail(Throwable t) {
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
        close();
        result.completeExceptionally(t);
    }

    private synchronized void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // the file is deleted by the caller either way
            }
            channel = null;
        }
    }
}
