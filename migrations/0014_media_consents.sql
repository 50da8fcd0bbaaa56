-- Media consents (R7.1–R7.3): a parent's decision, per pupil and per use of their image, kept as an append-only
-- history. The current answer is the latest decision for that pupil and use; no decision at all means "no".

create table media_consent_decisions (
  id uuid primary key,
  -- Order of recording: two decisions in the same second still have a clear latest one.
  seq bigint generated always as identity,
  school_id uuid not null references schools(id),
  pupil_id uuid not null references people(id),
  -- One of the uses in src/agreements/consent-uses.ts (website, print, video, ...).
  use text not null,
  decision text not null check (decision in ('given', 'refused', 'withdrawn')),
  -- The adult with parental responsibility whose decision this is, and their name as it was then.
  parent_id uuid not null references people(id),
  parent_name text not null,
  -- 'online': the parent changed it themselves; 'paper': a member of staff recorded a paper form.
  channel text not null check (channel in ('online', 'paper')),
  recorded_by uuid references people(id),
  recorded_by_name text not null,
  recorded_at timestamptz not null,
  -- Paper forms: the date written on the form and where the form is kept.
  form_dated text check (form_dated ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
  form_kept_at text,
  note text not null default ''
);
create index media_consent_decisions_pupil on media_consent_decisions (school_id, pupil_id, use, seq desc);

-- Parental responsibility, recorded by the school for a linked adult. Kept here rather than as a column of
-- parent_links because an import from the school information system replaces parent_links wholesale, which would
-- silently undo what the office recorded. Without a row, a linked parent/carer has parental responsibility (the
-- school links the contacts with parental responsibility); a row saying false stops them changing consents.
create table parental_responsibility_records (
  id uuid primary key,
  seq bigint generated always as identity,
  school_id uuid not null references schools(id),
  parent_id uuid not null references people(id),
  pupil_id uuid not null references people(id),
  has_responsibility boolean not null,
  note text not null default '',
  recorded_by uuid references people(id),
  recorded_by_name text not null,
  recorded_at timestamptz not null
);
create index parental_responsibility_pair on parental_responsibility_records (school_id, pupil_id, parent_id, seq desc);

-- History is never changed in place: a change is a new row.
create function media_consents_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'consent and parental responsibility records are append-only: record a new decision instead';
end $$;
create trigger media_consent_decisions_no_change before update or delete on media_consent_decisions
  for each row execute function media_consents_append_only();
create trigger parental_responsibility_no_change before update or delete on parental_responsibility_records
  for each row execute function media_consents_append_only();
