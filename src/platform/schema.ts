/** Kysely table types for the foundation tables (migrations/0001_foundation.sql). */
import type { ColumnType, Generated } from 'kysely';

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
  media_consent_decisions: MediaConsentDecisionsTable;
  parental_responsibility_records: ParentalResponsibilityRecordsTable;
  schema_migrations: { version: string; applied_at: Timestamp };
}
