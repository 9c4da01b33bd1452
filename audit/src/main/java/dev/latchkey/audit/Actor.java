package dev.latchkey.audit;

import java.util.Objects;

/**
 * Who performed an audited action. {@code id} is the principal's stable identifier (user id, client id, service
 * client id, admin username); it may be null only for {@link ActorType#SYSTEM} or for an unidentified caller.
 */
public record Actor(ActorType type, String id) {

    public Actor {
        Objects.requireNonNull(type, "actor type");
    }

    public static Actor user(String userId) {
        return new Actor(ActorType.USER, userId);
    }

    public static Actor app(String clientId) {
        return new Actor(ActorType.APP, clientId);
    }

    public static Actor service(String clientId) {
        return new Actor(ActorType.SERVICE, clientId);
    }

    public static Actor admin(String id) {
        return new Actor(ActorType.ADMIN, id);
    }

    /** Latchkey itself; {@code job} names the background job (for example {@code refresh-worker}). */
    public static Actor system(String job) {
        return new Actor(ActorType.SYSTEM, job);
    }
}
