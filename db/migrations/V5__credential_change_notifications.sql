-- Every node keeps recently fetched sealed credentials in memory so that a token fetch needs no database read.
-- These triggers tell all nodes (LISTEN latchkey_credentials) when a served credential changes or disappears,
-- whoever changed it: the application on any node, a key rewrap, or an operator with psql. The payload is the
-- connection id only. NOTIFY is delivered at commit, so a listener never hears of a change it cannot yet read.

create function notify_credential_change() returns trigger language plpgsql as $$
begin
    -- Separate statements: PL/pgSQL plans each one on first use, so neither names a column the other table lacks.
    if tg_table_name = 'connections' then
        perform pg_notify('latchkey_credentials', old.id::text);
    else
        perform pg_notify('latchkey_credentials', old.connection_id::text);
    end if;
    return null;
end $$;

-- Lease, failure-count and schedule updates change nothing a fetch serves; skipping them keeps a refresh storm
-- from flooding the channel.
create trigger credentials_changed
    after update on credentials
    for each row
    when ((old.kind, old.access_sealed, old.refresh_sealed, old.token_type, old.version, old.issued_at,
           old.expires_at, old.expiry_source, old.stated_lifetime_seconds, old.learned_lifetime_seconds)
          is distinct from
          (new.kind, new.access_sealed, new.refresh_sealed, new.token_type, new.version, new.issued_at,
           new.expires_at, new.expiry_source, new.stated_lifetime_seconds, new.learned_lifetime_seconds))
    execute function notify_credential_change();

create trigger credentials_deleted
    after delete on credentials
    for each row
    execute function notify_credential_change();

create trigger connections_changed
    after update or delete on connections
    for each row
    execute function notify_credential_change();
