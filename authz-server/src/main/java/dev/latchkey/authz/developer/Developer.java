package dev.latchkey.authz.developer;

import java.util.UUID;

/** A signed-in user holding the {@code developer} role; the portal and the developer API act for their team. */
public record Developer(UUID userId, UUID teamId, String username) {}
