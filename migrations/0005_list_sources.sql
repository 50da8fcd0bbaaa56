-- List sources (R2.11): where a categorised list comes from, its status, and the file holding its parsed entries.
-- Entries live in a content-addressed file under <dataDir>/lists/ rather than in rows: a source can hold millions of
-- domains, it is replaced whole on each update, and the engine compiles from it (see docs/adr/0005).
create table list_sources (
  id uuid primary key,
  school_id uuid not null references schools(id),
  name text not null,
  location text not null,
  kind text not null check (kind in ('file', 'url')),
  format text not null default 'auto',
  vendor text,
  category text,
  refresh_hours integer,
  enabled boolean not null default true,
  status text not null default 'pending' check (status in ('pending', 'ok', 'error')),
  last_checked_at timestamptz,
  last_updated_at timestamptz,
  last_error text,
  entries_file text,
  entries_sha256 text,
  entry_counts jsonb not null default '{}'::jsonb,
  problems jsonb not null default '[]'::jsonb,
  problems_count integer not null default 0,
  etag text,
  version integer not null default 1,
  created_at timestamptz not null,
  unique (school_id, name)
);
