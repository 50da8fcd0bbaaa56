-- Filtering policies per group (R2.1, R2.4, R2.5) and the append-only filter change log (R3.2).
-- A policy is one document (category actions, schedules, local lists as jsonb) so that each change log entry can
-- hold the whole "before" and "after" a governor reviews.

create table filter_policies (
  id uuid primary key,
  school_id uuid not null references schools(id),
  key text not null,
  name text not null,
  description text not null default '',
  priority integer not null,
  default_action text not null check (default_action in ('allow', 'block', 'warn', 'monitor')),
  safe_search boolean not null default true,
  unidentified boolean not null default false,
  category_actions jsonb not null default '{}'::jsonb,
  schedules jsonb not null default '[]'::jsonb,
  local_block jsonb not null default '[]'::jsonb,
  local_allow jsonb not null default '[]'::jsonb,
  -- Who the policy is for: group ids, and roles written as 'role:<role>' (staff, guests are roles, not groups).
  targets jsonb not null default '[]'::jsonb,
  version integer not null default 1,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (school_id, key)
);
-- Exactly one policy per school is the fallback for people and devices Osprey cannot identify.
create unique index filter_policies_one_unidentified on filter_policies (school_id) where unidentified;

create table filter_changes (
  seq bigint primary key,
  school_id uuid not null references schools(id),
  at timestamptz not null,
  actor_id uuid,
  actor_label text not null,
  entity_type text not null,
  entity_id text not null,
  action text not null,
  reason text not null,
  before jsonb,
  after jsonb,
  approved_by text
);
create index filter_changes_entity on filter_changes (school_id, entity_type, entity_id);

create function filter_changes_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'the filter change log is append-only: entries cannot be changed or removed';
end $$;
create trigger filter_changes_no_update before update or delete on filter_changes
  for each row execute function filter_changes_append_only();
create trigger filter_changes_no_truncate before truncate on filter_changes
  for each statement execute function filter_changes_append_only();
