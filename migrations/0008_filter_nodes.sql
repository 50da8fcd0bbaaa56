-- Filter nodes (R11.2): other machines running Osprey's web proxy and DNS resolver for a school, pulling its
-- filtering snapshots from this control plane and pushing their activity back. Each holds a token shown once when it
-- is added; only the token's SHA-256 is stored. A removed node keeps its row (the activity log names it).
create table filter_nodes (
  id uuid primary key,
  school_id uuid not null references schools(id),
  name text not null,
  token_sha256 text not null unique,
  created_at timestamptz not null,
  last_seen_at timestamptz,
  last_seen_ip text,
  removed_at timestamptz
);
create unique index filter_nodes_name on filter_nodes (school_id, lower(name)) where removed_at is null;
