package dev.latchkey.broker.catalog;

/** Encoding of a request body sent to a provider. */
public enum BodyFormat {
    /** {@code application/x-www-form-urlencoded}, as RFC 6749 §4.1.3 requires. */
    FORM("form", "application/x-www-form-urlencoded"),
    /** {@code application/json}: providers that deviate from RFC 6749 (Notion, Atlassian, Zendesk). */
    JSON("json", "application/json");

    private final String wireName;
    private final String contentType;

    BodyFormat(String wireName, String contentType) {
        this.wireName = wireName;
        this.contentType = contentType;
    }

    public String wireName() {
        return wireName;
    }

    public String contentType() {
        return contentType;
    }

    static BodyFormat fromWire(String value) {
        return Wire.lookup(values(), value, BodyFormat::wireName);
    }
}
