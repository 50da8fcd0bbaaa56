-- Identity (R2.10): who is behind a device's address. Ranges and devices map addresses to groups; web log-on
-- sessions bind an address to a person for a while; settings say what happens to requests nobody can be put to.
create table ip_ranges (
  id uuid primary key,
  school_id uuid not null references schools(id),
  cidr text not null,
  name text not null,
  kind text not null check (kind in ('range', 'device')),
  -- group ids and 'role:<role>' entries, as filtering policies target them
  group_ids jsonb not null default '[]'::jsonb,
  note text not null default '',
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (school_id, cidr)
);

-- One person per address at a time: a new log-on from the same address replaces the last.
create table ip_sessions (
  school_id uuid not null references schools(id),
  ip text not null,
  person_id uuid not null references people(id) on delete cascade,
  started_at timestamptz not null,
  expires_at timestamptz not null,
  user_agent text,
  primary key (school_id, ip)
);
create index ip_sessions_expires_at on ip_sessions (expires_at);

create table identity_settings (
  school_id uuid primary key references schools(id),
  unidentified text not null default 'fallback' check (unidentified in ('fallback', 'logon', 'proxy-auth')),
  logon_minutes integer not null default 480 check (logon_minutes between 5 and 10080),
  updated_at timestamptz not null
);
