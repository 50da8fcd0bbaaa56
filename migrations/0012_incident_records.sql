-- Incident records (R5.4, R5.8, R10.2): evidence kept for an incident, its retention basis and legal holds.
-- Every table here is append-only: evidence is never edited or removed through Osprey, and a legal hold is set or
-- released by adding a row, so the history of who did what, and when, stays readable.

create function incident_records_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'incident evidence, retention decisions and legal holds are append-only: add a new entry instead';
end $$;

-- One row per piece of evidence. Files are stored encrypted under <dataDir>/evidence/, named by the SHA-256 of their
-- plain content; a URL's hash is the SHA-256 of the URL text as recorded.
create table incident_evidence (
  id uuid primary key,
  school_id uuid not null references schools(id),
  incident_id uuid not null references incidents(id),
  kind text not null check (kind in ('file', 'url')),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  size_bytes bigint not null check (size_bytes >= 0),
  media_type text,
  original_name text,
  url text,
  note text not null default '',
  device text,
  uploaded_by uuid references people(id),
  uploaded_by_label text not null,
  uploaded_at timestamptz not null,
  check ((kind = 'file' and original_name is not null and url is null) or (kind = 'url' and url is not null))
);
create index incident_evidence_incident on incident_evidence (incident_id, uploaded_at);
create index incident_evidence_school on incident_evidence (school_id);
create trigger incident_evidence_no_update before update or delete on incident_evidence
  for each row execute function incident_records_append_only();
create trigger incident_evidence_no_truncate before truncate on incident_evidence
  for each statement execute function incident_records_append_only();

-- The retention basis of a record (R5.8), set by the DSL. The directory holds no dates of birth, so the date of
-- birth that a schedule needs (the pupil's for child protection, the staff member's for an allegation) is recorded
-- here, for this record only. The latest row for an incident is the one in force.
create table incident_retention_bases (
  id uuid primary key,
  school_id uuid not null references schools(id),
  incident_id uuid not null references incidents(id),
  basis text not null check (basis in ('child_protection', 'staff_allegation', 'general')),
  subject_date_of_birth date,
  reason text not null default '',
  set_by uuid references people(id),
  set_by_label text not null,
  set_at timestamptz not null
);
create index incident_retention_bases_incident on incident_retention_bases (incident_id, set_at);
create trigger incident_retention_bases_no_update before update or delete on incident_retention_bases
  for each row execute function incident_records_append_only();
create trigger incident_retention_bases_no_truncate before truncate on incident_retention_bases
  for each statement execute function incident_records_append_only();

-- Legal holds: 'set' stops retention review (e.g. a police investigation or a claim); 'release' lifts it.
create table incident_legal_holds (
  id uuid primary key,
  school_id uuid not null references schools(id),
  incident_id uuid not null references incidents(id),
  action text not null check (action in ('set', 'release')),
  reason text not null check (length(reason) > 0),
  by_person uuid references people(id),
  by_label text not null,
  at timestamptz not null
);
create index incident_legal_holds_incident on incident_legal_holds (incident_id, at);
create trigger incident_legal_holds_no_update before update or delete on incident_legal_holds
  for each row execute function incident_records_append_only();
create trigger incident_legal_holds_no_truncate before truncate on incident_legal_holds
  for each statement execute function incident_records_append_only();
