/** Kysely table types for the foundation tables (migrations/0001_foundation.sql). */
import type { ColumnType, Generated, Kysely } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json = ColumnType<Record<string, unknown>, string | Record<string, unknown>, string | Record<string, unknown>>;

export interface SchoolsTable { id: string; name: string; created_at: Timestamp }

export interface PeopleTable {
  id: string;
  school_id: string;
  external_id: string | null;
  username: string;
  given_name: string;
  family_name: string;
  email: string | null;
  year_group: string | null;
  status: 'active' | 'leaver' | 'disabled';
  left_at: Date | null;
  source: string;
  kind: ColumnType<'individual' | 'class_logon', 'individual' | 'class_logon' | undefined, 'individual' | 'class_logon'>;
  search_text: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PersonRolesTable { school_id: string; person_id: string; role: string }

export interface GroupsTable {
  id: string;
  school_id: string;
  kind: string;
  name: string;
  description: Generated<string>;
  created_at: Timestamp;
}

export interface GroupMembersTable { school_id: string; group_id: string; person_id: string }
export interface ParentLinksTable { school_id: string; parent_id: string; pupil_id: string }

export interface AccountsTable {
  person_id: string;
  school_id: string;
  password_hash: string | null;
  must_change_password: Generated<boolean>;
  password_changed_at: Date | null;
  failed_attempts: Generated<number>;
  locked_until: Date | null;
  last_login_at: Date | null;
  mfa_secret: string | null;
  mfa_enabled_at: Date | null;
  mfa_last_step: number | null;
  created_at: Timestamp;
}

export interface RecoveryCodesTable { person_id: string; school_id: string; code_hash: string; used_at: Date | null }

export interface SessionsTable {
  id_hash: string;
  person_id: string;
  school_id: string;
  csrf_token: string;
  mfa_verified: boolean;
  ip: string | null;
  user_agent: string | null;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
}

export interface SetupTokensTable { token_hash: string; created_at: Timestamp; expires_at: Timestamp; used_at: Date | null }

export interface AuditLogTable {
  seq: ColumnType<number, number, never>;
  at: Timestamp;
  school_id: string | null;
  actor_id: string | null;
  actor_label: string;
  action: string;
  entity_type: string;
  entity_id: string | null;
  ip: string | null;
  details: Json;
  prev_hash: string;
  hash: string;
  mac: string | null;
}

export interface FilterPoliciesTable {
  id: string;
  school_id: string;
  key: string;
  name: string;
  description: string;
  priority: number;
  default_action: string;
  safe_search: boolean;
  unidentified: boolean;
  category_actions: Json;
  schedules: ColumnType<unknown[], string, string>;
  local_block: ColumnType<unknown[], string, string>;
  local_allow: ColumnType<unknown[], string, string>;
  targets: ColumnType<string[], string, string>;
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface FilterChangesTable {
  seq: ColumnType<number, number, never>;
  school_id: string;
  at: Timestamp;
  actor_id: string | null;
  actor_label: string;
  entity_type: string;
  entity_id: string;
  action: string;
  reason: string;
  before: ColumnType<unknown, string | null, never>;
  after: ColumnType<unknown, string | null, never>;
  approved_by: string | null;
}

export interface ListSourcesTable {
  id: string;
  school_id: string;
  name: string;
  location: string;
  kind: 'file' | 'url';
  format: string;
  vendor: string | null;
  category: string | null;
  refresh_hours: number | null;
  enabled: boolean;
  status: 'pending' | 'ok' | 'error';
  last_checked_at: Date | null;
  last_updated_at: Date | null;
  last_error: string | null;
  entries_file: string | null;
  entries_sha256: string | null;
  entry_counts: Json;
  problems: ColumnType<unknown[], string, string>;
  problems_count: number;
  etag: string | null;
  version: number;
  created_at: Timestamp;
}

/** Identity (migrations/0007_identity.sql). */
export interface IpRangesTable {
  id: string;
  school_id: string;
  cidr: string;
  name: string;
  kind: 'range' | 'device';
  group_ids: ColumnType<string[], string, string>;
  note: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface IpSessionsTable {
  school_id: string;
  ip: string;
  person_id: string;
  started_at: Timestamp;
  expires_at: Timestamp;
  user_agent: string | null;
}

export interface IdentitySettingsTable {
  school_id: string;
  unidentified: 'fallback' | 'logon' | 'proxy-auth';
  logon_minutes: number;
  updated_at: Timestamp;
}

/** migrations/0006_activity.sql: partitioned by day; rows are written by the activity pipeline only. */
export interface ActivityTable {
  id: string;
  time: Timestamp;
  school_id: string;
  person_id: string | null;
  username: string | null;
  device_id: string | null;
  ip: string | null;
  host: string;
  domain: string;
  url: string | null;
  search_term: string | null;
  category_id: string | null;
  action: string;
  reason: string;
  policy_id: string;
  rule_id: string | null;
  source_id: string | null;
  circumvention: boolean;
  front_end: string;
  node: string;
  /** Went on past a warning page (migrations/0018). */
  acknowledged: Generated<boolean>;
  /** Repeated blocks folded into this row (migrations/0016): how many requests, the last one's time, the others' ids and times. */
  count: Generated<number>;
  last_at: Timestamp | null;
  folded: string[] | null;
  folded_ms: number[] | null;
}

export interface ActivityDailyTable {
  school_id: string;
  day: ColumnType<string, string, string>;
  category_id: string;
  action: string;
  policy_id: string;
  events: number;
}

/** migrations/0008_filter_nodes.sql */
export interface FilterNodesTable {
  id: string;
  school_id: string;
  name: string;
  token_sha256: string;
  created_at: Timestamp;
  last_seen_at: Timestamp | null;
  last_seen_ip: string | null;
  removed_at: Timestamp | null;
}

/** Acceptable Use Agreements (migrations/0013_agreements.sql). */
export interface AgreementTemplatesTable {
  id: string;
  school_id: string;
  key: string;
  name: string;
  body: string;
  audience: Json;
  parent_may_sign: boolean;
  active: boolean;
  current_version_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface AgreementVersionsTable {
  id: string;
  school_id: string;
  template_id: string;
  number: number;
  title: string;
  body: string;
  html: string;
  text_sha256: string;
  published_at: Timestamp;
  published_by: string | null;
}

export interface AgreementSignaturesTable {
  id: string;
  school_id: string;
  version_id: string;
  person_id: string;
  signed_by: string | null;
  method: 'online' | 'parent' | 'paper';
  typed_name: string;
  signed_at: Timestamp;
  text_sha256: string;
  ip: string | null;
  user_agent: string | null;
  recorded_by: string | null;
  recorded_at: Timestamp | null;
  paper_location: string | null;
}

export interface AgreementSettingsTable {
  school_id: string;
  year_starts: string;
  gating: boolean;
  joiner_grace_days: number;
  version_grace_days: number;
  year_grace_days: number;
  updated_at: Timestamp;
}

export interface AgreementRemindersTable {
  id: string;
  school_id: string;
  sent_at: Timestamp;
  sent_by: string | null;
  person_id: string;
  recipient_id: string | null;
  to_address: string;
  template_id: string;
}

/** migrations/0009_mail_outbox.sql */
export interface MailOutboxTable {
  id: string;
  school_id: string;
  purpose: string;
  to_address: string;
  subject: string;
  body_text: string;
  created_at: Timestamp;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  sent_at: Date | null;
  gave_up_at: Date | null;
  last_error: string | null;
}
// Monitoring and alerts (migrations/0010_monitoring.sql).
export interface MonitoringSettingsTable {
  school_id: string; seeded_at: Timestamp; lists_version: Generated<number>;
  digest_frequency: Generated<'daily' | 'weekly'>; last_digest_at: Timestamp | null;
}
export interface MonitoringPhrasesTable {
  id: string; school_id: string; category: string; parts: string[]; weight: number; source: string; created_at: Timestamp;
}
export interface MonitoringRulesTable {
  id: string; school_id: string; name: string; kind: 'illegal' | 'phrase' | 'circumvention' | 'repeated_blocks';
  category: string | null; min_score: number | null; threshold_count: number | null; window_minutes: number | null;
  severity: 'critical' | 'high' | 'medium' | 'low'; priority: number; delivery: 'immediate' | 'digest';
  route_roles: string[]; enabled: Generated<boolean>; created_at: Timestamp; updated_at: Timestamp;
}
export interface AlertsTable {
  id: string; school_id: string; dedupe_key: string; rule_id: string | null; rule_name: string; kind: string;
  category: string | null; severity: string; priority: number; delivery: string; route_roles: string[];
  status: Generated<'open' | 'acknowledged' | 'dismissed' | 'escalated'>;
  person_id: string | null; username: string | null; ip: string | null; device_id: string | null; score: Generated<number>;
  first_event_at: Timestamp; last_event_at: Timestamp; created_at: Timestamp; context: Json;
  handled_by: string | null; handled_by_label: string | null; handled_at: Timestamp | null; handled_reason: string | null;
  incident_id: string | null; digested_at: Timestamp | null;
}
export interface AlertEvidenceTable {
  alert_id: string; event_id: string; event_time: Timestamp; host: string; url: string | null; search_term: string | null;
  filter_category: string | null; action: string; reason: string; score: number; risk_category: string | null;
  phrases: ColumnType<unknown, string, string>;
}
export interface AlertActionsTable {
  id: string; alert_id: string; at: Timestamp; actor_id: string | null; actor_label: string; action: string; reason: string | null;
}
/** migrations/0010_monitoring.sql, 0017 (clean) */
export interface MonitoringStateTable { id: string; watermark: Timestamp; clean: Generated<boolean> }
/** migrations/0012_incident_records.sql (append-only) */
export interface IncidentEvidenceTable {
  id: string;
  school_id: string;
  incident_id: string;
  kind: 'file' | 'url';
  sha256: string;
  size_bytes: ColumnType<string | number, number, never>;
  media_type: string | null;
  original_name: string | null;
  url: string | null;
  note: string;
  device: string | null;
  uploaded_by: string | null;
  uploaded_by_label: string;
  uploaded_at: Timestamp;
}
export interface IncidentRetentionBasesTable {
  id: string;
  school_id: string;
  incident_id: string;
  basis: 'child_protection' | 'staff_allegation' | 'general';
  subject_date_of_birth: ColumnType<string | Date | null, string | null, never>;
  reason: string;
  set_by: string | null;
  set_by_label: string;
  set_at: Timestamp;
}
export interface IncidentLegalHoldsTable {
  id: string;
  school_id: string;
  incident_id: string;
  action: 'set' | 'release';
  reason: string;
  by_person: string | null;
  by_label: string;
  at: Timestamp;
}

/** migrations/0011_incidents.sql: the incident log is append-only (a trigger refuses UPDATE). */
type JsonArr<T> = ColumnType<T[], string, never>;
export interface IncidentsTable {
  id: string;
  school_id: string;
  reference: string;
  created_at: Timestamp;
  reporter_kind: 'staff' | 'pupil' | 'parent' | 'alert';
  reporter_id: string | null;
  anonymous: boolean;
  reporter_hash: string | null;
  from_alert: ColumnType<Record<string, unknown> | null, string | null, never>;
}
export interface IncidentVersionsTable {
  incident_id: string;
  version: number;
  school_id: string;
  at: Timestamp;
  by_id: string | null;
  by_label: string;
  change_note: string;
  occurred_at: Timestamp;
  description: string;
  action_taken: string;
  action_by: string;
  reported_by: string;
  category: string;
  location: 'in_school' | 'out_of_school' | 'unknown';
  devices: JsonArr<string>;
  urls: JsonArr<string>;
  status: 'open' | 'investigating' | 'closed';
  outcome: string;
  classification: 'restricted' | 'general';
  investigation_device: string;
  people: JsonArr<{ personId: string | null; name: string; kind: 'pupil' | 'staff' | 'parent' | 'other'; part: 'victim' | 'instigator' | 'witness' }>;
  investigators: JsonArr<string>;
  triage: ColumnType<Record<string, string>, string, never>;
  sanction_type: string | null;
}
export interface IncidentStepsTable {
  id: string;
  incident_id: string;
  school_id: string;
  key: string;
  branch: string;
  label: string;
  guidance: string;
  who: string;
  required: boolean;
  created_at: Timestamp;
}
export interface IncidentStepEventsTable {
  seq: Generated<string>;
  step_id: string;
  incident_id: string;
  school_id: string;
  action: 'completed' | 'skipped' | 'reopened' | 'withdrawn' | 'restored';
  note: string;
  by_id: string | null;
  by_label: string;
  at: Timestamp;
}
export interface IncidentGrantEventsTable {
  seq: Generated<string>;
  incident_id: string;
  school_id: string;
  person_id: string;
  action: 'granted' | 'revoked';
  reason: string;
  by_id: string | null;
  by_label: string;
  at: Timestamp;
}
export interface IncidentHistoryTable {
  seq: Generated<string>;
  incident_id: string;
  school_id: string;
  at: Timestamp;
  actor_id: string | null;
  actor_label: string;
  action: string;
  summary: string;
  details: Json;
}
export interface SanctionsMatrixTable {
  school_id: string;
  audience: 'pupil' | 'staff';
  type_key: string;
  label: string;
  position: number;
  responses: ColumnType<Record<string, 'always' | 'repeat'>, string, string>;
  updated_at: Timestamp;
  updated_by: string;
}
/** migrations/0014_media_consents.sql */
export interface MediaConsentDecisionsTable {
  id: string;
  seq: ColumnType<number, never, never>;
  school_id: string;
  pupil_id: string;
  use: string;
  decision: 'given' | 'refused' | 'withdrawn';
  parent_id: string;
  parent_name: string;
  channel: 'online' | 'paper';
  recorded_by: string | null;
  recorded_by_name: string;
  recorded_at: Timestamp;
  form_dated: ColumnType<string | null, string | null | undefined, never>;
  form_kept_at: string | null;
  note: ColumnType<string, string | undefined, never>;
}

export interface ParentalResponsibilityRecordsTable {
  id: string;
  seq: ColumnType<number, never, never>;
  school_id: string;
  parent_id: string;
  pupil_id: string;
  has_responsibility: boolean;
  note: ColumnType<string, string | undefined, never>;
  recorded_by: string | null;
  recorded_by_name: string;
  recorded_at: Timestamp;
}

export interface Database {
  schools: SchoolsTable;
  people: PeopleTable;
  person_roles: PersonRolesTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  parent_links: ParentLinksTable;
  accounts: AccountsTable;
  recovery_codes: RecoveryCodesTable;
  sessions: SessionsTable;
  setup_tokens: SetupTokensTable;
  audit_log: AuditLogTable;
  filter_policies: FilterPoliciesTable;
  filter_changes: FilterChangesTable;
  list_sources: ListSourcesTable;
  activity: ActivityTable;
  activity_daily: ActivityDailyTable;
  ip_ranges: IpRangesTable;
  ip_sessions: IpSessionsTable;
  identity_settings: IdentitySettingsTable;
  filter_nodes: FilterNodesTable;
  agreement_templates: AgreementTemplatesTable;
  agreement_versions: AgreementVersionsTable;
  agreement_signatures: AgreementSignaturesTable;
  agreement_settings: AgreementSettingsTable;
  agreement_reminders: AgreementRemindersTable;
  mail_outbox: MailOutboxTable;
  monitoring_settings: MonitoringSettingsTable;
  monitoring_phrases: MonitoringPhrasesTable;
  monitoring_rules: MonitoringRulesTable;
  alerts: AlertsTable;
  alert_evidence: AlertEvidenceTable;
  alert_actions: AlertActionsTable;
  monitoring_state: MonitoringStateTable;
  incidents: IncidentsTable;
  incident_versions: IncidentVersionsTable;
  incident_steps: IncidentStepsTable;
  incident_step_events: IncidentStepEventsTable;
  incident_grant_events: IncidentGrantEventsTable;
  incident_history: IncidentHistoryTable;
  sanctions_matrix: SanctionsMatrixTable;
  incident_evidence: IncidentEvidenceTable;
  incident_retention_bases: IncidentRetentionBasesTable;
  incident_legal_holds: IncidentLegalHoldsTable;
  media_consent_decisions: MediaConsentDecisionsTable;
  parental_responsibility_records: ParentalResponsibilityRecordsTable;
  schema_migrations: { version: string; applied_at: Timestamp };
}

/** The database as Kysely sees it (a transaction is one too). Defined here, beside the tables, so that anything can name it without importing db.ts. */
export type Db = Kysely<Database>;
