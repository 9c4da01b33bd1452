-- The token broker: third-party credentials the product holds for its tenants. Every token, refresh token, API key,
-- client secret, PKCE verifier and webhook secret below is sealed by vault-adapter (envelope encryption, bound to
-- tenant + row + purpose); connect-session secrets are keyed hashes. Tenant ids are the product's own tenant
-- identifiers (opaque text), not Latchkey teams.

-- Our OAuth client registration at a provider: one deployment-wide default (tenant_id '*') and optional
-- per-tenant registrations (a tenant bringing its own app).
create table broker_provider_apps (
    provider_id          text not null,
    tenant_id            text not null check (tenant_id = '*' or tenant_id ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$'),
    client_id            text not null check (length(client_id) between 1 and 500),
    client_secret_sealed bytea,
    created_at           timestamptz not null default now(),
    updated_at           timestamptz not null default now(),
    primary key (provider_id, tenant_id)
);

-- Which internal service (a client-credentials client of the authz-server) may touch which tenants' connections.
-- tenant_id '*' grants every tenant. What it may do is the token's scopes.
create table broker_callers (
    client_id  text not null,
    tenant_id  text not null check (tenant_id = '*' or tenant_id ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$'),
    created_at timestamptz not null default now(),
    primary key (client_id, tenant_id)
);

create table connections (
    id                uuid primary key,
    tenant_id         text not null check (tenant_id ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$'),
    end_user          text not null check (length(end_user) between 1 and 200),
    provider_id       text not null,
    auth_mode         text not null check (auth_mode in ('oauth2', 'api_key', 'basic')),
    status            text not null check (status in ('active', 'needs_reauth', 'revoked')),
    scopes            text[] not null default '{}',
    parameters        jsonb not null default '{}',
    metadata          jsonb not null default '{}',
    status_reason     text,
    created_by        text not null,
    created_at        timestamptz not null default now(),
    updated_at        timestamptz not null default now()
);
create index connections_tenant on connections (tenant_id, id);

-- One credential per connection. version increments on every change (compare-and-swap for 401 reports and
-- refresh commits). The lease serialises refreshes across nodes; next_refresh_at drives the proactive engine.
create table credentials (
    connection_id             uuid primary key references connections (id) on delete cascade,
    kind                      text not null check (kind in ('oauth2', 'api_key', 'basic')),
    access_sealed             bytea not null,
    refresh_sealed            bytea,
    token_type                text,
    version                   bigint not null default 1,
    issued_at                 timestamptz not null,
    expires_at                timestamptz,
    expiry_source             text not null check (expiry_source in ('provider', 'fixed', 'learned', 'unknown', 'never')),
    stated_lifetime_seconds   bigint,
    learned_lifetime_seconds  bigint,
    refresh_token_expires_at  timestamptz,
    next_refresh_at           timestamptz,
    lease_owner               text,
    lease_until               timestamptz,
    failure_count             integer not null default 0,
    consecutive_rejections    integer not null default 0,
    last_error                text,
    last_refreshed_at         timestamptz,
    refresh_count             bigint not null default 0,
    updated_at                timestamptz not null default now()
);
create index credentials_due on credentials (next_refresh_at) where next_refresh_at is not null;

-- A short-lived connect session opened by an internal service for one tenant and end user. The URL token and the
-- OAuth state are stored only as keyed hashes; the PKCE verifier is sealed. Single use: status moves forward only.
create table connect_sessions (
    id                    uuid primary key,
    token_hash            bytea not null unique,
    state_hash            bytea unique,
    browser_binding_hash  bytea,
    tenant_id             text not null,
    end_user              text not null,
    provider_id           text not null,
    scopes                text[] not null default '{}',
    parameters            jsonb not null default '{}',
    return_url            text,
    pkce_verifier_sealed  bytea,
    status                text not null check (status in ('open', 'authorizing', 'completed', 'failed', 'expired')),
    error_code            text,
    connection_id         uuid references connections (id) on delete set null,
    created_by            text not null,
    created_at            timestamptz not null default now(),
    expires_at            timestamptz not null
);
create index connect_sessions_expires on connect_sessions (expires_at);

-- Webhook endpoints for connection status events, and the transactional outbox that delivers them: an outbox row
-- is written in the same transaction as the status change, so no event is lost.
create table webhook_endpoints (
    id             uuid primary key,
    url            text not null check (url ~ '^https?://'),
    tenant_id      text,
    event_types    text[] not null default '{}',
    secret_sealed  bytea not null,
    enabled        boolean not null default true,
    created_at     timestamptz not null default now()
);

create table webhook_outbox (
    id               bigserial primary key,
    event_id         uuid not null,
    endpoint_id      uuid not null references webhook_endpoints (id) on delete cascade,
    event_type       text not null,
    payload          jsonb not null,
    attempts         integer not null default 0,
    next_attempt_at  timestamptz not null default now(),
    delivered_at     timestamptz,
    failed_at        timestamptz,
    last_error       text,
    created_at       timestamptz not null default now(),
    unique (event_id, endpoint_id)
);
create index webhook_outbox_pending on webhook_outbox (next_attempt_at) where delivered_at is null and failed_at is null;
