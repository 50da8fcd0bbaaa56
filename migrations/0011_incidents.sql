-- The e-safety incident log (R5.1-R5.7). The record is append-only ("court safe"): an incident's content lives in
-- incident_versions, one row per change, and is never updated in place; the current record is the highest version.
-- Steps, grants and the general history are append-only event tables too. A trigger refuses UPDATE on all of them.

-- One row per incident: only what never changes (who reported it, when, from which alert).
create table incidents (
  id uuid primary key,
  school_id uuid not null references schools(id),
  -- INC-2026-0001: what people say on the phone
  reference text not null,
  created_at timestamptz not null,
  -- 'staff' | 'pupil' | 'parent' | 'alert'
  reporter_kind text not null check (reporter_kind in ('staff', 'pupil', 'parent', 'alert')),
  -- null when the pupil reported anonymously: then only reporter_hash (sha256 of id:person) lets them see it
  reporter_id uuid references people(id),
  anonymous boolean not null default false,
  reporter_hash text,
  -- the monitoring alert this incident was escalated from, with the evidence it held
  from_alert jsonb,
  unique (school_id, reference)
);
create index incidents_school_created on incidents (school_id, created_at desc);
create index incidents_reporter on incidents (reporter_id) where reporter_id is not null;

create table incident_versions (
  incident_id uuid not null references incidents(id),
  version integer not null check (version >= 1),
  school_id uuid not null references schools(id),
  at timestamptz not null,
  by_id uuid references people(id),
  by_label text not null,
  -- what changed, in words (e.g. 'Status changed to investigating', or the correction's reason)
  change_note text not null,
  occurred_at timestamptz not null,
  description text not null,
  action_taken text not null default '',
  action_by text not null default '',
  reported_by text not null default '',
  category text not null,
  location text not null check (location in ('in_school', 'out_of_school', 'unknown')),
  devices jsonb not null default '[]'::jsonb,
  urls jsonb not null default '[]'::jsonb,
  status text not null check (status in ('open', 'investigating', 'closed')),
  outcome text not null default '',
  classification text not null check (classification in ('restricted', 'general')),
  investigation_device text not null default '',
  -- [{personId?, name, kind: pupil|staff|parent|other, part: victim|instigator|witness}]
  people jsonb not null default '[]'::jsonb,
  -- [personId] of the senior staff investigating
  investigators jsonb not null default '[]'::jsonb,
  -- answers to the triage questions {questionKey: answer}
  triage jsonb not null default '{}'::jsonb,
  -- the sanctions-matrix incident type chosen during triage, if any
  sanction_type text,
  primary key (incident_id, version)
);
create index incident_versions_people on incident_versions using gin (people jsonb_path_ops);

-- Triage checklist: one row per step the flowchart asked for (created when triage is answered, never changed).
create table incident_steps (
  id uuid primary key,
  incident_id uuid not null references incidents(id),
  school_id uuid not null references schools(id),
  key text not null,
  branch text not null,
  label text not null,
  guidance text not null default '',
  who text not null default '',
  required boolean not null,
  created_at timestamptz not null,
  unique (incident_id, key)
);

-- What happened to each step: completed, skipped (with a reason), reopened, withdrawn (branch no longer applies), restored.
create table incident_step_events (
  seq bigserial primary key,
  step_id uuid not null references incident_steps(id),
  incident_id uuid not null references incidents(id),
  school_id uuid not null references schools(id),
  action text not null check (action in ('completed', 'skipped', 'reopened', 'withdrawn', 'restored')),
  note text not null default '',
  by_id uuid references people(id),
  by_label text not null,
  at timestamptz not null
);
create index incident_step_events_incident on incident_step_events (incident_id, seq);

-- Access to a restricted incident given by the DSL to a named person, and taken away.
create table incident_grant_events (
  seq bigserial primary key,
  incident_id uuid not null references incidents(id),
  school_id uuid not null references schools(id),
  person_id uuid not null references people(id),
  action text not null check (action in ('granted', 'revoked')),
  reason text not null default '',
  by_id uuid references people(id),
  by_label text not null,
  at timestamptz not null
);
create index incident_grant_events_person on incident_grant_events (person_id, incident_id, seq);

-- Everything that happened to an incident, in order, in words: versions, steps, grants, evidence, exports.
-- Other incident modules (evidence, export, retention) append here through appendIncidentHistory().
create table incident_history (
  seq bigserial primary key,
  incident_id uuid not null references incidents(id),
  school_id uuid not null references schools(id),
  at timestamptz not null,
  actor_id uuid references people(id),
  actor_label text not null,
  action text not null,
  summary text not null,
  details jsonb not null default '{}'::jsonb
);
create index incident_history_incident on incident_history (incident_id, seq);

-- The sanctions matrix (R5.5): per school, per audience, per incident type, which responses apply
-- ({responseKey: 'always' | 'repeat'}). A school without rows uses Osprey's defaults (src/incidents/sanctions-defaults.ts).
create table sanctions_matrix (
  school_id uuid not null references schools(id),
  audience text not null check (audience in ('pupil', 'staff')),
  type_key text not null,
  label text not null,
  position integer not null,
  responses jsonb not null default '{}'::jsonb,
  updated_at timestamptz not null,
  updated_by text not null,
  primary key (school_id, audience, type_key)
);

-- Append-only, enforced by the database: corrections are new rows.
create function osprey_refuse_update() returns trigger language plpgsql as $$
begin
  raise exception 'incident records are append-only: % rows are never changed', tg_table_name;
end $$;
create trigger incidents_append_only before update on incidents for each row execute function osprey_refuse_update();
create trigger incident_versions_append_only before update on incident_versions for each row execute function osprey_refuse_update();
create trigger incident_steps_append_only before update on incident_steps for each row execute function osprey_refuse_update();
create trigger incident_step_events_append_only before update on incident_step_events for each row execute function osprey_refuse_update();
create trigger incident_grant_events_append_only before update on incident_grant_events for each row execute function osprey_refuse_update();
create trigger incident_history_append_only before update on incident_history for each row execute function osprey_refuse_update();
