-- Latchkey seed schema. Secrets never live here in plaintext: passwords and client secrets are Argon2id PHC
-- strings; token, code and registration-access-token values are keyed hashes (HMAC-SHA256) looked up by index;
-- key material is sealed by vault-adapter.

create table teams (
    id          uuid primary key,
    name        text not null unique check (length(name) between 1 and 200),
    created_at  timestamptz not null default now()
);

create table users (
    id            uuid primary key,
    team_id       uuid not null references teams (id),
    username      text not null unique check (length(username) between 1 and 200),
    password_hash text not null,
    roles         text[] not null default '{}',
    display_name  text,
    email         text,
    created_at    timestamptz not null default now(),
    disabled_at   timestamptz
);

create table oauth_apps (
    id                              uuid primary key,
    team_id                         uuid not null references teams (id),
    name                            text not null check (length(name) between 1 and 200),
    description                     text,
    client_id                       text not null unique,
    client_secret_hash              text,
    client_secret_expires_at        timestamptz,
    redirect_uris                   text[] not null default '{}',
    post_logout_redirect_uris       text[] not null default '{}',
    scopes                          text[] not null default '{}',
    grant_types                     text[] not null,
    token_endpoint_auth_method      text not null
        check (token_endpoint_auth_method in ('client_secret_basic', 'client_secret_post', 'none')),
    require_pkce                    boolean not null default true,
    require_consent                 boolean not null default true,
    access_token_format             text not null default 'opaque' check (access_token_format in ('opaque', 'jwt')),
    access_token_ttl_seconds        integer not null default 900 check (access_token_ttl_seconds between 60 and 86400),
    refresh_token_ttl_seconds       integer not null default 2592000 check (refresh_token_ttl_seconds between 300 and 31536000),
    logo_url                        text,
    homepage_url                    text,
    is_published                    boolean not null default false,
    registration_access_token_hash  bytea unique,
    registered_via                  text not null default 'admin' check (registered_via in ('admin', 'bootstrap', 'dynamic')),
    created_at                      timestamptz not null default now(),
    updated_at                      timestamptz not null default now(),
    secret_rotated_at               timestamptz
);

-- The user's consent: remembered per app, user and team, revocable.
create table oauth_authorizations (
    id          uuid primary key,
    app_id      uuid not null references oauth_apps (id) on delete cascade,
    user_id     uuid not null references users (id) on delete cascade,
    team_id     uuid not null references teams (id),
    scopes      text[] not null,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    revoked_at  timestamptz,
    unique (app_id, user_id, team_id)
);

-- One grant = one Spring Authorization Server OAuth2Authorization: an authorization-code or client-credentials
-- grant and every token issued from it. It is the refresh-token rotation family: reuse revokes the whole grant.
create table oauth_grants (
    id               text primary key,
    app_id           uuid not null references oauth_apps (id) on delete cascade,
    principal_name   text not null,
    user_id          uuid references users (id) on delete cascade,
    grant_type       text not null,
    scopes           text[] not null default '{}',
    -- Non-secret request attributes (authorization request, principal name and authorities).
    attributes       jsonb not null default '{}',
    -- Keyed hash of the in-flight consent state; cleared once the grant completes.
    state_hash       bytea unique,
    created_at       timestamptz not null default now(),
    revoked_at       timestamptz,
    revoked_reason   text
);
create index oauth_grants_app_user on oauth_grants (app_id, user_id) where revoked_at is null;

create table oauth_tokens (
    id              bigint generated always as identity primary key,
    grant_id        text not null references oauth_grants (id) on delete cascade,
    kind            text not null check (kind in ('authorization_code', 'access_token', 'refresh_token', 'id_token')),
    token_hash      bytea not null unique,
    scopes          text[] not null default '{}',
    -- Non-secret token metadata: claims (for introspection), token type.
    metadata        jsonb not null default '{}',
    issued_at       timestamptz not null,
    expires_at      timestamptz,
    invalidated_at  timestamptz,
    created_at      timestamptz not null default now()
);
create index oauth_tokens_grant on oauth_tokens (grant_id);

-- Initial access tokens for RFC 7591 dynamic client registration, issued by admins.
create table registration_tokens (
    id          uuid primary key,
    team_id     uuid not null references teams (id),
    token_hash  bytea not null unique,
    description text,
    max_uses    integer not null default 1 check (max_uses > 0),
    uses        integer not null default 0,
    expires_at  timestamptz not null,
    created_at  timestamptz not null default now(),
    revoked_at  timestamptz
);

-- JWS signing keys; the private key is sealed by vault-adapter. Rotation keeps the previous key published
-- until every token it signed has expired.
create table signing_keys (
    kid                 text primary key,
    algorithm           text not null,
    public_jwk          jsonb not null,
    private_key_sealed  bytea not null,
    created_at          timestamptz not null default now(),
    retired_at          timestamptz,
    expires_at          timestamptz
);

-- Platform secrets (e.g. the token-hashing key), sealed by vault-adapter; created on first start.
create table system_secrets (
    name        text primary key,
    sealed      bytea not null,
    created_at  timestamptz not null default now()
);
