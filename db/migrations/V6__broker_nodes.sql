-- The broker nodes sharing this database. Each node writes its row every heartbeat; the nodes heard from recently
-- divide every provider's rate limit between them, so that a limit holds for the deployment, not per node. Rows
-- are timed by the database's clock alone, so skewed node clocks cannot make a node look alive or dead.
create table broker_nodes (
    node_id  text primary key check (length(node_id) between 1 and 200),
    seen_at  timestamptz not null default now()
);
