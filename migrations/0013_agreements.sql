-- Acceptable Use Agreements (R6.1–R6.5): templates a school edits, immutable published versions, signatures (online,
-- by a parent for a young child, or a paper form recorded by staff), per-school settings and reminders sent.
create table agreement_templates (
  id uuid primary key,
  school_id uuid not null references schools(id),
  -- 'ks1', 'ks2', 'ks3', 'staff', 'technician', 'parent', 'community', 'guest', or a school's own
  key text not null,
  name text not null,
  -- the draft the school is editing (Markdown); publishing it makes a version
  body text not null,
  -- who must sign: roles, group ids and key stages ('EYFS', 'KS1' …); see src/agreements/audience.ts
  audience jsonb not null default '{}'::jsonb,
  -- a parent's signature is sufficient (young children, R6.3)
  parent_may_sign boolean not null default false,
  -- unticked: nobody is asked to sign it (a template the school does not use)
  active boolean not null default true,
  current_version_id uuid,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (school_id, key)
);

create table agreement_versions (
  id uuid primary key,
  school_id uuid not null references schools(id),
  template_id uuid not null references agreement_templates(id),
  number integer not null,
  title text not null,
  body text not null,
  -- the exact HTML people are shown, and its SHA-256 (hex): what a signature is a signature of
  html text not null,
  text_sha256 text not null,
  published_at timestamptz not null,
  published_by uuid references people(id),
  unique (template_id, number)
);

create table agreement_signatures (
  id uuid primary key,
  school_id uuid not null references schools(id),
  version_id uuid not null references agreement_versions(id),
  -- whose agreement it is (a pupil, a member of staff …)
  person_id uuid not null references people(id) on delete cascade,
  -- who signed it: the person, their parent, or (paper) the person as written on the form
  signed_by uuid references people(id) on delete set null,
  method text not null check (method in ('online', 'parent', 'paper')),
  typed_name text not null,
  signed_at timestamptz not null,
  text_sha256 text not null,
  ip text,
  user_agent text,
  -- paper signatures: who recorded it, when, and where the form is kept
  recorded_by uuid references people(id) on delete set null,
  recorded_at timestamptz,
  paper_location text
);
create index agreement_signatures_person on agreement_signatures (school_id, person_id, signed_at);

create table agreement_settings (
  school_id uuid primary key references schools(id),
  -- the school year starts on this day each year ('MM-DD'); everyone signs again from then
  year_starts text not null default '09-01',
  gating boolean not null default true,
  joiner_grace_days integer not null default 0 check (joiner_grace_days between 0 and 60),
  version_grace_days integer not null default 14 check (version_grace_days between 0 and 60),
  year_grace_days integer not null default 14 check (year_grace_days between 0 and 60),
  updated_at timestamptz not null
);

create table agreement_reminders (
  id uuid primary key,
  school_id uuid not null references schools(id),
  sent_at timestamptz not null,
  sent_by uuid references people(id) on delete set null,
  -- whose agreement is unsigned, and who was written to (the person, or a parent)
  person_id uuid not null references people(id) on delete cascade,
  recipient_id uuid references people(id) on delete set null,
  to_address text not null,
  template_id uuid not null references agreement_templates(id)
);
create index agreement_reminders_person on agreement_reminders (school_id, person_id, sent_at);
