package dev.latchkey.broker.webhook;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A response body handler that keeps only the first bytes and then cancels the body, so a receiver answering with a
 * huge or endless body can neither fill memory nor hold a sender. The text is for {@code last_error}: printable
 * characters only, at most {@link #MAX_CHARS}.
 */
final class ResponseExcerpt implements HttpResponse.BodySubscriber<String> {

    static final int MAX_CHARS = 200;
    // UTF-8 needs at most 4 bytes per character.
    private static final int MAX_BYTES = MAX_CHARS * 4;

    private final CompletableFuture<String> result = new CompletableFuture<>();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private Flow.Subscription subscription;

    static HttpResponse.BodyHandler<String> handler() {
        return info -> new ResponseExcerpt();
    }

    @Override
    public CompletionStage<String> getBody() {
        return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        this.subscription = subscription;
        subscription.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
        for (ByteBuffer buffer : buffers) {
            int take = Math.min(buffer.remaining(), MAX_BYTES - bytes.size());
            byte[] chunk = new byte[take];
            buffer.get(chunk);
            bytes.writeBytes(chunk);
        }
        if (bytes.size() >= MAX_BYTES) {
            subscription.cancel();
            result.complete(text());
        } else {
            subscription.request(1);
        }
    }

    @Override
    public void onError(Throwable error) {
        // The status line arrived; a broken body does not change the outcome.
        result.complete(text());
    }

    @Override
    public void onComplete() {
        result.complete(text());
    }

    private String text() {
        String decoded = bytes.toString(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder();
        decoded.codePoints()
                .map(c -> Character.isISOControl(c) ? ' ' : c)
                .limit(MAX_CHARS)
                .forEach(out::appendCodePoint);
        return out.toString().strip();
    }
}
