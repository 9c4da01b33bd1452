package dev.latchkey.broker.catalog;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * How to read and classify the provider's error responses. The effective code sets always include the RFC 6749
 * defaults ({@link #DEFAULT_REAUTH_CODES}, {@link #DEFAULT_TRANSIENT_CODES}); the catalog adds to them.
 *
 * @param errorWhen                 a 2xx body that is nonetheless an error (Slack {@code ok: false}); null when only
 *                                  the absence of an access token signals one
 * @param codePointers              where the error code may sit, tried in order
 * @param descriptionPointers       where a human-readable description may sit, tried in order
 * @param reauthCodes               codes meaning the user must reconnect
 * @param transientCodes            codes worth retrying
 * @param reauthDescriptionPatterns descriptions meaning the user must reconnect, for providers whose code is too
 *                                  generic (Zoom's {@code invalid_request} "Invalid Token!")
 */
public record ErrorClassification(ErrorSignal errorWhen, List<String> codePointers, List<String> descriptionPointers,
        Set<String> reauthCodes, Set<String> transientCodes, List<Pattern> reauthDescriptionPatterns) {

    /** RFC 6749 §5.2: the grant or refresh token is invalid, expired, revoked or was issued to another client. */
    public static final Set<String> DEFAULT_REAUTH_CODES = Set.of("invalid_grant");

    /** RFC 6749 §4.1.2.1 codes that some providers also return from the token endpoint. */
    public static final Set<String> DEFAULT_TRANSIENT_CODES = Set.of("temporarily_unavailable", "server_error");

    public ErrorClassification {
        codePointers = List.copyOf(codePointers);
        descriptionPointers = List.copyOf(descriptionPointers);
        reauthCodes = union(DEFAULT_REAUTH_CODES, reauthCodes);
        transientCodes = union(DEFAULT_TRANSIENT_CODES, transientCodes);
        reauthDescriptionPatterns = List.copyOf(reauthDescriptionPatterns);
    }

    /**
     * A 2xx body signals an error when the value at {@code pointer} is present and, if {@code equals} is set, has
     * that value (compared as text).
     */
    public record ErrorSignal(String pointer, String equals) {
    }

    static ErrorClassification defaults() {
        return new ErrorClassification(null, List.of("/error"), List.of("/error_description"), Set.of(), Set.of(),
                List.of());
    }

    private static Set<String> union(Set<String> defaults, Set<String> extra) {
        Set<String> all = new LinkedHashSet<>(defaults);
        all.addAll(extra);
        return Set.copyOf(all);
    }
}
