-- Monitoring and alerts (R4.2, R4.3, R2.13): each school's phrase lists and alert rules (data, editable), the
-- alerts they raise with their evidence and handling history, and the monitoring stage's watermark.

-- Per school: when its starter lists and default rules were copied in, a version bumped on every phrase change (the
-- monitoring stage recompiles its matcher when it moves), and the digest's schedule.
create table monitoring_settings (
  school_id uuid primary key references schools(id),
  seeded_at timestamptz not null,
  lists_version integer not null default 1,
  digest_frequency text not null default 'weekly' check (digest_frequency in ('daily', 'weekly')),
  last_digest_at timestamptz
);

-- One phrase or combination. parts are e2guardian's bracket contents ("a space inside is a word boundary").
create table monitoring_phrases (
  id uuid primary key,
  school_id uuid not null references schools(id),
  category text not null,
  parts text[] not null,
  weight integer not null check (weight between -1000 and 1000),
  source text not null,
  created_at timestamptz not null,
  unique (school_id, category, parts)
);

-- Alert rules, checked in priority order (1 first); an event raises one alert, under the first rule it meets.
-- kind: 'illegal' (an attempt at an illegal-list entry), 'phrase' (a category's score ≥ min_score),
-- 'circumvention' (a proxy/VPN block or a filter-bypass host), 'repeated_blocks' (threshold_count blocked requests
-- by one person within window_minutes). delivery: 'immediate' (inbox and e-mail at once) or 'digest'.
create table monitoring_rules (
  id uuid primary key,
  school_id uuid not null references schools(id),
  name text not null,
  kind text not null check (kind in ('illegal', 'phrase', 'circumvention', 'repeated_blocks')),
  category text,
  min_score integer,
  threshold_count integer,
  window_minutes integer,
  severity text not null check (severity in ('critical', 'high', 'medium', 'low')),
  priority integer not null,
  delivery text not null check (delivery in ('immediate', 'digest')),
  route_roles text[] not null,
  enabled boolean not null default true,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index monitoring_rules_by_school on monitoring_rules (school_id, priority);

-- An alert. dedupe_key (rule, person, half-hour) makes the stage idempotent: an event scored twice (a replay, the
-- catch-up after a restart) adds nothing, and repeats by the same person in the same half-hour add evidence to one
-- alert instead of sending the DSL a new e-mail each time.
create table alerts (
  id uuid primary key,
  school_id uuid not null references schools(id),
  dedupe_key text not null,
  rule_id uuid references monitoring_rules(id),
  rule_name text not null,
  kind text not null,
  category text,
  severity text not null,
  priority integer not null,
  delivery text not null,
  route_roles text[] not null,
  status text not null default 'open' check (status in ('open', 'acknowledged', 'dismissed', 'escalated')),
  person_id uuid,
  username text,
  ip text,
  device_id text,
  score integer not null default 0,
  first_event_at timestamptz not null,
  last_event_at timestamptz not null,
  created_at timestamptz not null,
  -- The person's recent activity when the alert was raised (kept: activity retention may later drop the events).
  context jsonb not null,
  handled_by uuid,
  handled_by_label text,
  handled_at timestamptz,
  handled_reason text,
  incident_id uuid,
  digested_at timestamptz,
  unique (school_id, dedupe_key)
);
create index alerts_inbox on alerts (school_id, status, severity, created_at);
create index alerts_digest on alerts (school_id, created_at) where delivery = 'digest' and digested_at is null;

-- The events that raised (or added to) an alert, with what matched.
create table alert_evidence (
  alert_id uuid not null references alerts(id),
  event_id uuid not null,
  event_time timestamptz not null,
  host text not null,
  url text,
  search_term text,
  filter_category text,
  action text not null,
  reason text not null,
  score integer not null,
  risk_category text,
  phrases jsonb not null,
  primary key (alert_id, event_id)
);

-- Who did what to an alert and when (acknowledged, dismissed with a reason, escalated), in order.
create table alert_actions (
  id uuid primary key,
  alert_id uuid not null references alerts(id),
  at timestamptz not null,
  actor_id uuid,
  actor_label text not null,
  action text not null,
  reason text
);
create index alert_actions_by_alert on alert_actions (alert_id, at);

-- The monitoring stage's durable watermark: every stored event older than this has been scored (see stage.ts).
create table monitoring_state (
  id text primary key,
  watermark timestamptz not null
);
