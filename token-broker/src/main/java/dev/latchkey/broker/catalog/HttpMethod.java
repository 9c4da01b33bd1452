package dev.latchkey.broker.catalog;

/** The HTTP methods the broker sends to providers' OAuth endpoints. */
public enum HttpMethod {
    GET, POST, DELETE
}
