/** SQL for monitoring (migrations/0010_monitoring.sql): phrase lists, rules, alerts, evidence, actions, watermark. */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../platform/db.ts';
import type { AlertsTable, MonitoringRulesTable } from '../platform/schema.ts';
import type { Selectable } from 'kysely';
import type { PhraseCategory, PhraseEntry } from './matcher.ts';

export type RuleRow = Selectable<MonitoringRulesTable>;
export type AlertRow = Selectable<AlertsTable>;

export interface StoredPhrase extends PhraseEntry { id: string; source: string }

export async function getSettings(db: Db, schoolId: string) {
  return db.selectFrom('monitoring_settings').selectAll().where('school_id', '=', schoolId).executeTakeFirst();
}

export async function listsVersion(db: Db, schoolId: string): Promise<number> {
  const r = await db.selectFrom('monitoring_settings').select('lists_version').where('school_id', '=', schoolId).executeTakeFirst();
  return r?.lists_version ?? 0;
}

export async function bumpListsVersion(db: Db, schoolId: string): Promise<void> {
  await db.updateTable('monitoring_settings').set({ lists_version: sql`lists_version + 1` }).where('school_id', '=', schoolId).execute();
}

export async function loadPhrases(db: Db, schoolId: string, category?: string): Promise<StoredPhrase[]> {
  let q = db.selectFrom('monitoring_phrases').select(['id', 'category', 'parts', 'weight', 'source']).where('school_id', '=', schoolId);
  if (category) q = q.where('category', '=', category);
  const rows = await q.orderBy('category').orderBy('parts').execute();
  return rows.map((r) => ({ id: r.id, category: r.category as PhraseCategory, parts: r.parts, weight: r.weight, source: r.source }));
}

export async function phraseCounts(db: Db, schoolId: string): Promise<Array<{ category: string; phrases: number }>> {
  const rows = await db.selectFrom('monitoring_phrases').select(['category', sql<number>`count(*)::int`.as('n')])
    .where('school_id', '=', schoolId).groupBy('category').execute();
  return rows.map((r) => ({ category: r.category, phrases: Number(r.n) }));
}

/** Adds phrases, or changes the weight of ones already in the list; returns how many were new and changed. */
export async function upsertPhrases(db: Db, schoolId: string, phrases: PhraseEntry[], source: string, now: Date): Promise<{ added: number; changed: number }> {
  let added = 0;
  let changed = 0;
  for (let i = 0; i < phrases.length; i += 500) {
    const chunk = phrases.slice(i, i + 500);
    // One row per (category, parts) in a statement: ON CONFLICT cannot touch the same row twice.
    const unique = new Map<string, PhraseEntry>();
    for (const p of chunk) unique.set(`${p.category}\u0000${p.parts.join('\u0000')}`, p);
    const rows = [...unique.values()].map((p) => ({ id: randomUUID(), school_id: schoolId, category: p.category, parts: p.parts, weight: p.weight, source, created_at: now }));
    const r = await db.insertInto('monitoring_phrases').values(rows)
      .onConflict((oc) => oc.columns(['school_id', 'category', 'parts']).doUpdateSet({ weight: sql`excluded.weight` }).where('monitoring_phrases.weight', '<>', sql<number>`excluded.weight`))
      .returning(sql<boolean>`(xmax = 0)`.as('inserted')).execute();
    for (const row of r) if (row.inserted) added++; else changed++;
  }
  return { added, changed };
}

export async function deletePhrase(db: Db, schoolId: string, id: string) {
  return db.deleteFrom('monitoring_phrases').where('school_id', '=', schoolId).where('id', '=', id).returning(['category', 'parts', 'weight']).executeTakeFirst();
}

export async function listRules(db: Db, schoolId: string): Promise<RuleRow[]> {
  return db.selectFrom('monitoring_rules').selectAll().where('school_id', '=', schoolId).orderBy('priority').orderBy('name').execute();
}

export async function getRule(db: Db, schoolId: string, id: string) {
  return db.selectFrom('monitoring_rules').selectAll().where('school_id', '=', schoolId).where('id', '=', id).executeTakeFirst();
}

export interface NewAlert {
  schoolId: string; dedupeKey: string; rule: RuleRow; category: string | null; personId: string | null; username: string | null;
  ip: string | null; deviceId: string | null; score: number; eventTime: Date; now: Date; context: unknown[];
}

/** Inserts the alert unless one with the same key exists; returns its id and whether it is new. */
export async function insertAlert(db: Db, a: NewAlert): Promise<{ id: string; created: boolean }> {
  const id = randomUUID();
  const inserted = await db.insertInto('alerts').values({
    id, school_id: a.schoolId, dedupe_key: a.dedupeKey, rule_id: a.rule.id, rule_name: a.rule.name, kind: a.rule.kind,
    category: a.category, severity: a.rule.severity, priority: a.rule.priority, delivery: a.rule.delivery, route_roles: a.rule.route_roles,
    person_id: a.personId, username: a.username, ip: a.ip, device_id: a.deviceId, score: a.score,
    first_event_at: a.eventTime, last_event_at: a.eventTime, created_at: a.now, context: JSON.stringify(a.context),
  }).onConflict((oc) => oc.columns(['school_id', 'dedupe_key']).doNothing()).returning('id').executeTakeFirst();
  if (inserted) return { id: inserted.id, created: true };
  const existing = await db.selectFrom('alerts').select('id').where('school_id', '=', a.schoolId).where('dedupe_key', '=', a.dedupeKey).executeTakeFirstOrThrow();
  await db.updateTable('alerts').set({
    score: sql`greatest(score, ${a.score})`, last_event_at: sql`greatest(last_event_at, ${a.eventTime})`, first_event_at: sql`least(first_event_at, ${a.eventTime})`,
  }).where('id', '=', existing.id).execute();
  return { id: existing.id, created: false };
}

export interface EvidenceRow {
  eventId: string; eventTime: Date; host: string; url: string | null; searchTerm: string | null; filterCategory: string | null;
  action: string; reason: string; score: number; riskCategory: string | null; phrases: Array<{ category: string; phrase: string; weight: number }>;
}

export async function addEvidence(db: Db, alertId: string, e: EvidenceRow): Promise<void> {
  await db.insertInto('alert_evidence').values({
    alert_id: alertId, event_id: e.eventId, event_time: e.eventTime, host: e.host, url: e.url, search_term: e.searchTerm,
    filter_category: e.filterCategory, action: e.action, reason: e.reason, score: e.score, risk_category: e.riskCategory,
    phrases: JSON.stringify(e.phrases),
  }).onConflict((oc) => oc.columns(['alert_id', 'event_id']).doNothing()).execute();
}

export async function evidenceOf(db: Db, alertId: string): Promise<EvidenceRow[]> {
  const rows = await db.selectFrom('alert_evidence').selectAll().where('alert_id', '=', alertId).orderBy('event_time').execute();
  return rows.map((r) => ({
    eventId: r.event_id, eventTime: new Date(r.event_time), host: r.host, url: r.url, searchTerm: r.search_term, filterCategory: r.filter_category,
    action: r.action, reason: r.reason, score: r.score, riskCategory: r.risk_category,
    phrases: (typeof r.phrases === 'string' ? JSON.parse(r.phrases) : r.phrases) as EvidenceRow['phrases'],
  }));
}

export async function getAlert(db: Db, schoolId: string, id: string): Promise<AlertRow | undefined> {
  return db.selectFrom('alerts').selectAll().where('school_id', '=', schoolId).where('id', '=', id).executeTakeFirst();
}

export async function findAlerts(db: Db, schoolId: string, f: { roles: string[]; status?: string; severity?: string; personId?: string; limit: number; offset: number }): Promise<AlertRow[]> {
  let q = db.selectFrom('alerts').selectAll().where('school_id', '=', schoolId).where(sql<boolean>`route_roles && ${f.roles}::text[]`);
  if (f.personId) q = q.where('person_id', '=', f.personId);
  if (f.status) q = q.where('status', '=', f.status as AlertRow['status']);
  if (f.severity) q = q.where('severity', '=', f.severity);
  return q.orderBy(sql`case status when 'open' then 0 else 1 end`).orderBy(sql`case severity when 'critical' then 0 when 'high' then 1 when 'medium' then 2 else 3 end`)
    .orderBy('created_at', 'desc').limit(f.limit).offset(f.offset).execute();
}

export async function addAlertAction(db: Db, a: { alertId: string; at: Date; actorId: string | null; actorLabel: string; action: string; reason?: string | null }): Promise<void> {
  await db.insertInto('alert_actions').values({ id: randomUUID(), alert_id: a.alertId, at: a.at, actor_id: a.actorId, actor_label: a.actorLabel, action: a.action, reason: a.reason ?? null }).execute();
}

export async function actionsOf(db: Db, alertId: string) {
  return db.selectFrom('alert_actions').selectAll().where('alert_id', '=', alertId).orderBy('at').orderBy('id').execute();
}

/** Every stored event older than `watermark` has been scored; `clean` when a clean stop wrote it (stage.ts). */
export async function readWatermark(db: Db): Promise<{ watermark: Date; clean: boolean } | null> {
  const r = await db.selectFrom('monitoring_state').select(['watermark', 'clean']).where('id', '=', 'stage').executeTakeFirst();
  return r ? { watermark: new Date(r.watermark), clean: r.clean } : null;
}

export async function writeWatermark(db: Db, watermark: Date, clean = false): Promise<void> {
  await db.insertInto('monitoring_state').values({ id: 'stage', watermark, clean })
    .onConflict((oc) => oc.column('id').doUpdateSet({ watermark, clean })).execute();
}

/** Active people of the school holding any of these roles, with an e-mail address (alert recipients). */
export async function peopleWithRoles(db: Db, schoolId: string, roles: string[]): Promise<Array<{ id: string; email: string | null; roles: string[] }>> {
  if (roles.length === 0) return [];
  const rows = await db.selectFrom('people as p').innerJoin('person_roles as r', 'r.person_id', 'p.id')
    .select(['p.id', 'p.email', 'r.role']).where('p.school_id', '=', schoolId).where('p.status', '=', 'active')
    .where('r.role', 'in', roles).execute();
  const byId = new Map<string, { id: string; email: string | null; roles: string[] }>();
  for (const r of rows) {
    const p = byId.get(r.id) ?? { id: r.id, email: r.email, roles: [] };
    p.roles.push(r.role);
    byId.set(r.id, p);
  }
  return [...byId.values()];
}
