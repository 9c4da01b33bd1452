package dev.latchkey.authz.client;

/** Names of Latchkey-specific settings carried on a {@link org.springframework.security.oauth2.server.authorization.client.RegisteredClient}. */
public final class AppSettings {

    /** The owning team's id (UUID string), in client settings. */
    public static final String TEAM_ID = "latchkey.team_id";
    /** Whether an admin has published the app, in client settings. */
    public static final String PUBLISHED = "latchkey.published";
    public static final String LOGO_URL = "latchkey.logo_url";
    public static final String HOMEPAGE_URL = "latchkey.homepage_url";
    public static final String DESCRIPTION = "latchkey.description";

    private AppSettings() {}
}
