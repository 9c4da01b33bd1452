package dev.latchkey.broker.catalog;

/** The outcome of a code exchange or refresh: a {@link TokenGrant} or a classified {@link ProviderError}. */
public sealed interface TokenResult permits TokenGrant, ProviderError {
}
