-- Foundation: schools, people, roles, groups, accounts, log-in sessions and the audit log.
-- Every table that holds school data carries school_id (R11.1: a trust runs many schools from one installation).

create table schools (
  id uuid primary key,
  name text not null,
  created_at timestamptz not null default now()
);

create table people (
  id uuid primary key,
  school_id uuid not null references schools(id),
  external_id text,
  username text not null,
  given_name text not null,
  family_name text not null,
  email text,
  year_group text,
  status text not null default 'active' check (status in ('active', 'leaver', 'disabled')),
  left_at timestamptz,
  source text not null default 'manual',
  search_text text not null default '',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (school_id, username),
  unique (school_id, external_id)
);
create index people_school_family on people (school_id, family_name, given_name);

create table person_roles (
  school_id uuid not null references schools(id),
  person_id uuid not null references people(id),
  role text not null,
  primary key (person_id, role)
);
create index person_roles_school_role on person_roles (school_id, role);

create table groups (
  id uuid primary key,
  school_id uuid not null references schools(id),
  kind text not null check (kind in ('key_stage', 'year', 'class', 'staff_team', 'custom')),
  name text not null,
  description text not null default '',
  created_at timestamptz not null default now(),
  unique (school_id, kind, name)
);

create table group_members (
  school_id uuid not null references schools(id),
  group_id uuid not null references groups(id),
  person_id uuid not null references people(id),
  primary key (group_id, person_id)
);
create index group_members_person on group_members (person_id);

create table parent_links (
  school_id uuid not null references schools(id),
  parent_id uuid not null references people(id),
  pupil_id uuid not null references people(id),
  primary key (parent_id, pupil_id)
);
create index parent_links_pupil on parent_links (pupil_id);

-- Log-in credentials, one row per person who can log in.
create table accounts (
  person_id uuid primary key references people(id),
  school_id uuid not null references schools(id),
  password_hash text,
  must_change_password boolean not null default false,
  password_changed_at timestamptz,
  failed_attempts integer not null default 0,
  locked_until timestamptz,
  last_login_at timestamptz,
  mfa_secret text,
  mfa_enabled_at timestamptz,
  created_at timestamptz not null default now()
);

create table recovery_codes (
  person_id uuid not null references people(id),
  school_id uuid not null references schools(id),
  code_hash text not null,
  used_at timestamptz,
  primary key (person_id, code_hash)
);

create table sessions (
  id_hash text primary key,
  person_id uuid not null references people(id),
  school_id uuid not null references schools(id),
  csrf_token text not null,
  mfa_verified boolean not null default false,
  ip text,
  user_agent text,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index sessions_person on sessions (person_id);

-- One-time link that lets the first administrator set up the installation.
create table setup_tokens (
  token_hash text primary key,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz
);

-- R10.3: append-only, hash-chained. school_id is null for installation-wide events.
create table audit_log (
  seq bigint primary key,
  at timestamptz not null,
  school_id uuid,
  actor_id uuid,
  actor_label text not null,
  action text not null,
  entity_type text not null,
  entity_id text,
  ip text,
  details jsonb not null default '{}'::jsonb,
  prev_hash text not null,
  hash text not null
);
create index audit_log_entity on audit_log (entity_type, entity_id);
create index audit_log_actor on audit_log (actor_id);

create function audit_log_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'the audit log is append-only: entries cannot be changed or removed';
end $$;
create trigger audit_log_no_update before update or delete on audit_log
  for each row execute function audit_log_append_only();
create trigger audit_log_no_truncate before truncate on audit_log
  for each statement execute function audit_log_append_only();
