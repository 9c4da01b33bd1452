package dev.latchkey.broker.provider;

import dev.latchkey.broker.catalog.ErrorCategory;
import dev.latchkey.broker.catalog.ErrorClassifier;
import dev.latchkey.broker.catalog.Provider;
import dev.latchkey.broker.catalog.ProviderError;
import dev.latchkey.broker.catalog.ProviderRequest;
import dev.latchkey.broker.catalog.ProviderResponse;
import dev.latchkey.broker.catalog.TokenResponseParser;
import dev.latchkey.broker.catalog.TokenResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The one HTTP client the broker uses to talk to providers' token, revocation and API endpoints. It sends a
 * {@link ProviderRequest} exactly as the catalog built it (method, URI, headers, encoded body) and reads the answer
 * into a {@link ProviderResponse}; all provider quirks live in the catalog, none here.
 *
 * <p>Bounded in every direction, because a provider is an untrusted peer: the connect timeout belongs to the
 * {@link HttpClient}; the request timeout covers the whole exchange, headers and body, so a server trickling its
 * body cannot hold a refresh worker; the body is read up to {@link #MAX_BODY_BYTES} and a longer one is abandoned
 * ({@link ResponseTooLargeException}); redirects are never followed, so a token request with client credentials in it
 * goes to the catalogued host or nowhere.
 *
 * <p>{@link #exchange} is the code exchange (RFC 6749 §4.1.3) and refresh (§6) call: it never throws for a network
 * problem, it answers with a {@link ProviderError} the refresh engine can act on. Nothing here logs, and no
 * exception message carries a request's headers or body.
 */
public final class ProviderClient {

    /** Default limit on one request, connect to last body byte. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);

    /** Default connect timeout of {@link #defaultHttpClient}. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    /** Longest response body read (1 MiB); no token, revocation or profile response comes near it. */
    public static final int MAX_BODY_BYTES = 1024 * 1024;

    private final HttpClient http;
    private final Duration requestTimeout;

    /** A client over {@link #defaultHttpClient} with {@link #DEFAULT_REQUEST_TIMEOUT}. */
    public ProviderClient() {
        this(defaultHttpClient(DEFAULT_CONNECT_TIMEOUT), DEFAULT_REQUEST_TIMEOUT);
    }

    /**
     * A client over {@code http}, which should come from {@link #defaultHttpClient} or be configured alike.
     *
     * @param requestTimeout the limit on one request, including reading the whole body
     */
    public ProviderClient(HttpClient http, Duration requestTimeout) {
        this.http = Objects.requireNonNull(http, "http");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("requestTimeout must be positive");
        }
        this.requestTimeout = requestTimeout;
    }

    /**
     * An HTTP/1.1 client that never follows redirects. HTTP/1.1 because token endpoints answer one small request
     * per connection and some providers' edges still mishandle h2c/h2 upgrades; no redirects because RFC 6749
     * endpoints do not redirect, and following one would resend client credentials to wherever it points.
     */
    public static HttpClient defaultHttpClient(Duration connectTimeout) {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /**
     * Sends {@code request} as built and reads the whole answer, whatever its status.
     *
     * @throws ResponseTooLargeException when the body exceeds {@link #MAX_BODY_BYTES} (carries status and headers)
     * @throws HttpTimeoutException      when there is no connection, or no complete response, within the timeouts
     * @throws IOException               for any other network failure
     * @throws InterruptedException      when the calling thread is interrupted; the request is abandoned
     */
    public ProviderResponse send(ProviderRequest request) throws IOException, InterruptedException {
        HttpRequest httpRequest = toHttpRequest(request);
        CompletableFuture<HttpResponse<byte[]>> pending = http.sendAsync(httpRequest, CappedBody::new);
        HttpResponse<byte[]> response;
        try {
            // The client's own timeout ends when the headers arrive; this one also covers the body.
            response = pending.get(requestTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            pending.cancel(true);
            throw new HttpTimeoutException("no complete response within " + requestTimeout);
        } catch (InterruptedException e) {
            pending.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            throw unwrap(e.getCause());
        }
        ProviderResponse head = new ProviderResponse(response.statusCode(), response.headers().map(), null);
        String body = decode(response.body(), head.header("Content-Type"));
        return new ProviderResponse(head.status(), head.headers(), body);
    }

    /**
     * A code exchange or refresh: sends {@code request} and reads the answer with {@link TokenResponseParser}.
     * Never throws for a failure of the provider or the network:
     * <ul>
     *   <li>no connection, a reset, an interrupt → {@link ErrorCategory#TRANSIENT} {@code network_error} (the
     *       thread's interrupt flag is kept);</li>
     *   <li>no connection or no complete response in time → TRANSIENT {@code timeout};</li>
     *   <li>a body over {@link #MAX_BODY_BYTES} → for a 2xx, INVALID_REQUEST {@code invalid_token_response}; otherwise
     *       classified by status alone (5xx and 429 stay TRANSIENT, with their Retry-After);</li>
     *   <li>anything the provider answered → as {@link TokenResponseParser#parse}.</li>
     * </ul>
     *
     * @param callbackQuery the authorization callback's query parameters (code exchange) or an empty map (refresh)
     * @param now           the time the request is made; expiry and Retry-After dates are measured from it
     */
    public TokenResult exchange(Provider provider, ProviderRequest request, Map<String, String> callbackQuery,
            Instant now) {
        Objects.requireNonNull(provider, "provider");
        ProviderResponse response;
        try {
            response = send(request);
        } catch (ResponseTooLargeException e) {
            if (e.status() >= 200 && e.status() < 300) {
                return new ProviderError(ErrorCategory.INVALID_REQUEST, e.status(), "invalid_token_response",
                        "response body larger than " + MAX_BODY_BYTES + " bytes", null);
            }
            return ErrorClassifier.classify(provider, new ProviderResponse(e.status(), e.headers(), ""), now);
        } catch (HttpTimeoutException e) {
            return ProviderError.timeout(e);
        } catch (IOException e) {
            return ProviderError.network(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ProviderError.network(e);
        }
        return TokenResponseParser.parse(provider, response, callbackQuery == null ? Map.of() : callbackQuery, now);
    }

    private HttpRequest toHttpRequest(ProviderRequest request) {
        String body = request.encodedBody();
        HttpRequest.BodyPublisher publisher = body == null
                ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8);
        HttpRequest.Builder builder = HttpRequest.newBuilder(request.uri())
                .timeout(requestTimeout)
                .method(request.method().name(), publisher);
        request.headers().forEach(builder::header);
        return builder.build();
    }

    private static IOException unwrap(Throwable cause) {
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof IOException io) {
            return io;
        }
        if (cause instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (cause instanceof Error error) {
            throw error;
        }
        return new IOException("provider request failed: " + (cause == null ? "unknown" : cause.getClass().getName()));
    }

    /** The body as text, in the charset the response names (UTF-8 when it names none or an unknown one). */
    private static String decode(byte[] body, String contentType) {
        Charset charset = StandardCharsets.UTF_8;
        if (contentType != null) {
            for (String part : contentType.split(";")) {
                String param = part.strip();
                if (param.toLowerCase(Locale.ROOT).startsWith("charset=")) {
                    try {
                        charset = Charset.forName(param.substring(8).replace("\"", "").strip());
                    } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
                        // keep UTF-8: RFC 8259 §8.1 makes it the only charset of JSON anyway
                    }
                }
            }
        }
        return new String(body, charset);
    }

    /**
     * Collects the body up to {@link #MAX_BODY_BYTES}; on the first byte beyond, cancels the stream (the connection
     * is dropped, nothing more is read) and fails with {@link ResponseTooLargeException}.
     */
    private static final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {

        private final HttpResponse.ResponseInfo info;
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private Flow.Subscription subscription;

        CappedBody(HttpResponse.ResponseInfo info) {
            this.info = info;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer buffer : buffers) {
                if (bytes.size() + buffer.remaining() > MAX_BODY_BYTES) {
                    subscription.cancel();
                    result.completeExceptionally(new ResponseTooLargeException(info.statusCode(),
                            info.headers().map(), MAX_BODY_BYTES));
                    return;
                }
                byte[] chunk = new byte[buffer.remaining()];
                buffer.get(chunk);
                bytes.writeBytes(chunk);
            }
        }

        @Override
        public void onError(Throwable throwable) {
            result.completeExceptionally(throwable);
        }

        @Override
        public void onComplete() {
            result.complete(bytes.toByteArray());
        }
    }
}
