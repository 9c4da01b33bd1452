package dev.latchkey.authz.account;

import static dev.latchkey.db.Tables.TEAMS;
import static dev.latchkey.db.Tables.USERS;

import dev.latchkey.db.tables.records.UsersRecord;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jooq.DSLContext;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.security.crypto.password.PasswordEncoder;

/** The product's own teams and users for the built-in login; passwords are Argon2id PHC strings. */
public final class AccountService implements UserDetailsService {

    public static final Set<String> ROLES = Set.of("admin", "developer", "user");

    private final DSLContext dsl;
    private final PasswordEncoder passwordEncoder;

    public AccountService(DSLContext dsl, PasswordEncoder passwordEncoder) {
        this.dsl = dsl;
        this.passwordEncoder = passwordEncoder;
    }

    public record Team(UUID id, String name) {}

    public record Account(UUID id, UUID teamId, String username, List<String> roles, String displayName, String email) {
        static Account of(UsersRecord u) {
            return new Account(u.getId(), u.getTeamId(), u.getUsername(), List.of(u.getRoles()), u.getDisplayName(), u.getEmail());
        }
    }

    public Team createTeam(String name) {
        if (name == null || name.isBlank() || name.length() > 200) {
            throw new IllegalArgumentException("name is required (1 to 200 characters)");
        }
        UUID id = UUID.randomUUID();
        int inserted = dsl.insertInto(TEAMS).set(TEAMS.ID, id).set(TEAMS.NAME, name.strip())
                .onConflictDoNothing().execute();
        if (inserted == 0) {
            throw new DuplicateException("a team named '" + name.strip() + "' exists");
        }
        return new Team(id, name.strip());
    }

    public Optional<Team> findTeamByName(String name) {
        return dsl.selectFrom(TEAMS).where(TEAMS.NAME.eq(name)).fetchOptional().map(t -> new Team(t.getId(), t.getName()));
    }

    public boolean teamExists(UUID id) {
        return dsl.fetchExists(TEAMS, TEAMS.ID.eq(id));
    }

    public List<Team> teams() {
        return dsl.selectFrom(TEAMS).orderBy(TEAMS.CREATED_AT).fetch(t -> new Team(t.getId(), t.getName()));
    }

    public Account createUser(UUID teamId, String username, String password, List<String> roles, String displayName, String email) {
        if (username == null || !username.matches("[A-Za-z0-9._@+-]{1,200}")) {
            throw new IllegalArgumentException("username must be 1 to 200 letters, digits or ._@+-");
        }
        if (password == null || password.length() < 12 || password.length() > 1024) {
            throw new IllegalArgumentException("password must be 12 to 1024 characters");
        }
        if (roles == null || roles.isEmpty() || !ROLES.containsAll(roles)) {
            throw new IllegalArgumentException("roles must be a non-empty subset of " + ROLES);
        }
        if (teamId == null || !teamExists(teamId)) {
            throw new IllegalArgumentException("teamId does not name a team");
        }
        UsersRecord user = dsl.newRecord(USERS);
        user.setId(UUID.randomUUID());
        user.setTeamId(teamId);
        user.setUsername(username);
        user.setPasswordHash(passwordEncoder.encode(password));
        user.setRoles(roles.stream().distinct().sorted().toArray(String[]::new));
        user.setDisplayName(displayName);
        user.setEmail(email);
        int inserted = dsl.insertInto(USERS).set(user).onConflictDoNothing().execute();
        if (inserted == 0) {
            throw new DuplicateException("username is taken");
        }
        return Account.of(user);
    }

    public Optional<Account> findUser(String username) {
        return dsl.selectFrom(USERS).where(USERS.USERNAME.eq(username)).fetchOptional().map(Account::of);
    }

    public List<Account> users(UUID teamId) {
        return dsl.selectFrom(USERS).where(teamId == null ? USERS.ID.isNotNull() : USERS.TEAM_ID.eq(teamId))
                .orderBy(USERS.CREATED_AT).fetch(Account::of);
    }

    @Override
    public UserDetails loadUserByUsername(String username) {
        UsersRecord user = username == null || username.length() > 200 ? null
                : dsl.selectFrom(USERS).where(USERS.USERNAME.eq(username)).fetchOne();
        if (user == null) {
            throw new UsernameNotFoundException("bad credentials");
        }
        return User.withUsername(user.getUsername())
                .password(user.getPasswordHash())
                .roles(java.util.Arrays.stream(user.getRoles()).map(String::toUpperCase).toArray(String[]::new))
                .disabled(user.getDisabledAt() != null)
                .build();
    }

    /** A name that must be unique already exists. */
    public static final class DuplicateException extends RuntimeException {
        public DuplicateException(String message) {
            super(message);
        }
    }
}
