package dev.latchkey.authz.client;


/**
 * A newly created app (or one whose secret was just rotated) with its client secret, the only moment the secret
 * exists outside the caller: it is returned once and never stored. {@code toString} does not print it.
 */
public record CreatedApp(AppView app, String clientSecret) {

    @Override
    public String toString() {
        return "CreatedApp[app=" + app.clientId() + ", clientSecret=" + (clientSecret == null ? "none" : "[redacted]") + "]";
    }

}
