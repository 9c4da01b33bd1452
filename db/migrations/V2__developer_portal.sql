-- Developer portal (issue 6): the product's scope catalogue, client-secret rotation with a grace period, apps
-- registered through the portal, developers' API tokens (keyed hashes only), and an index for app activity.

-- The product's published scopes with the words users see on consent pages. Developers may request only these
-- (plus the OpenID Connect scopes the server implements itself). Names are RFC 6749 §3.3 scope tokens, checked
-- in ScopeCatalogue; the platform's own scopes (admin) are reserved and never listed here.
create table oauth_scopes (
    name        text primary key check (length(name) between 1 and 100),
    description text not null check (length(description) between 1 and 300),
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now()
);

-- Rotation with a grace period: the replaced secret's Argon2id hash keeps verifying until
-- previous_secret_expires_at. At most one previous secret; a new rotation replaces it.
alter table oauth_apps
    add column previous_client_secret_hash text,
    add column previous_secret_expires_at  timestamptz,
    add constraint oauth_apps_previous_secret_has_expiry
        check ((previous_client_secret_hash is null) = (previous_secret_expires_at is null));

-- Apps created by developers in the portal or the developer API; only these are managed there.
alter table oauth_apps drop constraint oauth_apps_registered_via_check;
alter table oauth_apps add constraint oauth_apps_registered_via_check
    check (registered_via in ('admin', 'bootstrap', 'dynamic', 'portal'));
create index oauth_apps_team on oauth_apps (team_id);

-- Developers' personal API tokens for the developer API (lk_pat_…): keyed hash only, shown once, expiring.
create table developer_tokens (
    id            uuid primary key,
    user_id       uuid not null references users (id) on delete cascade,
    name          text not null check (length(name) between 1 and 100),
    token_hash    bytea not null unique,
    created_at    timestamptz not null default now(),
    expires_at    timestamptz not null,
    last_used_at  timestamptz,
    revoked_at    timestamptz
);
create index developer_tokens_user on developer_tokens (user_id);

-- Recent activity of an app (grants newest first) without scanning every grant.
create index oauth_grants_app_created on oauth_grants (app_id, created_at desc);
