-- Audit trail (issue 5): who issued, read, refreshed, revoked or rewrapped what, when, from where, and whether it
-- was allowed, with proof that the answer was not edited afterwards. See audit/README.md for the design.
--
-- * Rows are inserted by the action's own transaction (a rolled-back action leaves no row), unchained, each with
--   record_mac = HMAC(record key, canonical content): a row written or edited without the key never verifies.
-- * AuditChainer later links committed rows into one chain across all nodes (under an advisory lock): consecutive
--   seq, prev_hash, hash = HMAC(chain key, seq, prev_hash, record_mac). The keys come from sealed system secrets,
--   so database access alone cannot recompute any hash.
-- * Signed checkpoints make a truncated tail detectable; signed archive summaries keep archived ranges verifiable.
-- * No secret values anywhere: details hold token fingerprints (keyed hashes) only.
-- * The triggers below refuse updates and deletes from the application role (defence in depth: a superuser can
--   disable triggers, which is what the verifier is for).

create table audit_events (
    id           bigserial primary key,
    -- Random identifier chosen by the writer and covered by record_mac: a copied row is a duplicate, not a new event.
    event_id     uuid not null,
    occurred_at  timestamptz not null,
    actor_type   text not null check (actor_type in ('user', 'app', 'service', 'admin', 'system')),
    actor_id     text check (length(actor_id) between 1 and 200),
    action       text not null check (length(action) between 1 and 100 and action ~ '^[a-z][a-z0-9_]*([.:-][a-z0-9_]+)*$'),
    target_type  text check (length(target_type) between 1 and 100),
    target_id    text check (length(target_id) between 1 and 200),
    tenant       text check (length(tenant) between 1 and 200),
    outcome      text not null check (outcome in ('success', 'failure', 'denied')),
    -- Canonical IP literal (written by AuditEvent); text so that the stored form is exactly the hashed form.
    source_ip    text check (source_ip is null or (length(source_ip) between 2 and 45 and source_ip::inet is not null)),
    user_agent   text check (length(user_agent) <= 512),
    request_id   text check (length(request_id) between 1 and 200),
    -- Never secret values: identifiers and fingerprints (keyed hashes) only.
    details      jsonb not null default '{}' check (jsonb_typeof(details) = 'object'),
    record_mac   bytea not null check (length(record_mac) = 32),
    -- Chain columns: null until AuditChainer links the committed row; then set once, never changed.
    seq          bigint unique check (seq > 0),
    prev_hash    bytea check (length(prev_hash) = 32),
    hash         bytea check (length(hash) = 32),
    constraint audit_events_target_has_type check (target_id is null or target_type is not null),
    constraint audit_events_chain_columns_together
        check ((seq is null) = (hash is null) and (seq is null) = (prev_hash is null))
);

create unique index audit_events_event_id on audit_events (event_id);
-- The chainer's work queue: unchained rows in id order.
create index audit_events_unchained on audit_events (id) where seq is null;
-- Query filters; keyset pagination runs on id, so each filter index ends with it.
create index audit_events_occurred_at on audit_events (occurred_at);
create index audit_events_tenant on audit_events (tenant, id);
create index audit_events_actor on audit_events (actor_id, id);
create index audit_events_target on audit_events (target_id, id);
create index audit_events_action on audit_events (action, id);
create index audit_events_not_success on audit_events (outcome, id) where outcome <> 'success';

-- Signed statements "the chain had hash H at seq S": deleting the tail up to a checkpoint is detectable.
create table audit_checkpoints (
    id         bigserial primary key,
    seq        bigint not null check (seq > 0),
    hash       bytea not null check (length(hash) = 32),
    signed_at  timestamptz not null,
    key_id     text not null check (length(key_id) between 1 and 200),
    signature  bytea not null check (length(signature) between 1 and 2048),
    unique (seq, key_id)
);

-- Retention: a signed summary replaces an archived (exported, then deleted) range of the chain. The chain left in
-- audit_events continues from last_hash, and an export of the range verifies against the summary.
create table audit_archives (
    id               bigserial primary key,
    first_seq        bigint not null unique check (first_seq > 0),
    last_seq         bigint not null unique,
    first_prev_hash  bytea not null check (length(first_prev_hash) = 32),
    last_hash        bytea not null check (length(last_hash) = 32),
    event_count      bigint not null,
    archived_at      timestamptz not null,
    key_id           text not null check (length(key_id) between 1 and 200),
    signature        bytea not null check (length(signature) between 1 and 2048),
    constraint audit_archives_range check (last_seq >= first_seq and event_count = last_seq - first_seq + 1)
);

-- Append-only guards. The only update allowed is the chainer's: setting the chain columns of an unchained row and
-- nothing else. Rows leave only when a signed archive summary covers them.
create function audit_events_guard() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        if new.seq is not null or new.prev_hash is not null or new.hash is not null then
            raise exception 'audit_events: rows are inserted unchained' using errcode = '42501';
        end if;
        return new;
    elsif tg_op = 'UPDATE' then
        if old.seq is null and new.seq is not null
                and (to_jsonb(new) - 'seq' - 'prev_hash' - 'hash') = (to_jsonb(old) - 'seq' - 'prev_hash' - 'hash') then
            return new;
        end if;
        raise exception 'audit_events is append-only: a row is chained once and never changed' using errcode = '42501';
    else
        if old.seq is not null
                and exists (select 1 from audit_archives a where old.seq between a.first_seq and a.last_seq) then
            return old;
        end if;
        raise exception 'audit_events is append-only: rows leave only through a signed archive' using errcode = '42501';
    end if;
end
$$;

create function audit_checkpoints_guard() returns trigger language plpgsql as $$
begin
    if tg_op = 'DELETE'
            and exists (select 1 from audit_archives a where old.seq between a.first_seq and a.last_seq) then
        return old;
    end if;
    raise exception 'audit_checkpoints is append-only' using errcode = '42501';
end
$$;

create function audit_refuse() returns trigger language plpgsql as $$
begin
    raise exception '% is append-only', tg_table_name using errcode = '42501';
end
$$;

create trigger audit_events_append_only before insert or update or delete on audit_events
    for each row execute function audit_events_guard();
create trigger audit_events_no_truncate before truncate on audit_events
    for each statement execute function audit_refuse();
create trigger audit_checkpoints_append_only before update or delete on audit_checkpoints
    for each row execute function audit_checkpoints_guard();
create trigger audit_checkpoints_no_truncate before truncate on audit_checkpoints
    for each statement execute function audit_refuse();
create trigger audit_archives_append_only before update or delete on audit_archives
    for each row execute function audit_refuse();
create trigger audit_archives_no_truncate before truncate on audit_archives
    for each statement execute function audit_refuse();
