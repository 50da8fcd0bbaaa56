/**
 * SQL for agreements: templates, versions, signatures, settings, reminders. The directory is read (never written)
 * for who must sign: active people with their roles, groups, year group and parent links.
 */
import { sql } from 'kysely';
import type { Db } from '../platform/db.ts';
import { audienceOf, type Audience } from './audience.ts';
import { DEFAULT_AGREEMENT_SETTINGS, type AgreementSettings } from './status.ts';

export interface TemplateRow {
  id: string; key: string; name: string; body: string; audience: Audience; parentMaySign: boolean; active: boolean;
  currentVersionId: string | null; updatedAt: Date;
}

export interface VersionRow {
  id: string; templateId: string; number: number; title: string; body: string; html: string; textSha256: string;
  publishedAt: Date; publishedBy: string | null;
}

export interface SignatureRow {
  id: string; versionId: string; templateId: string; personId: string; signedBy: string | null; method: 'online' | 'parent' | 'paper';
  typedName: string; signedAt: Date; textSha256: string; ip: string | null; userAgent: string | null;
  recordedBy: string | null; recordedAt: Date | null; paperLocation: string | null;
}

export interface PersonFacts {
  id: string; username: string; givenName: string; familyName: string; email: string | null; yearGroup: string | null;
  joinedAt: Date; roles: string[]; groupIds: string[];
}

const toTemplate = (r: {
  id: string; key: string; name: string; body: string; audience: unknown; parent_may_sign: boolean; active: boolean;
  current_version_id: string | null; updated_at: Date;
}): TemplateRow => ({
  id: r.id, key: r.key, name: r.name, body: r.body, audience: audienceOf(r.audience), parentMaySign: r.parent_may_sign,
  active: r.active, currentVersionId: r.current_version_id, updatedAt: new Date(r.updated_at),
});

export async function listTemplates(db: Db, schoolId: string): Promise<TemplateRow[]> {
  const rows = await db.selectFrom('agreement_templates').selectAll().where('school_id', '=', schoolId).orderBy('created_at').orderBy('key').execute();
  return rows.map(toTemplate);
}

export async function getTemplate(db: Db, schoolId: string, id: string): Promise<TemplateRow | undefined> {
  const r = await db.selectFrom('agreement_templates').selectAll().where('school_id', '=', schoolId).where('id', '=', id).executeTakeFirst();
  return r && toTemplate(r);
}

export async function insertTemplate(db: Db, schoolId: string, t: Omit<TemplateRow, 'currentVersionId' | 'updatedAt'>, now: Date): Promise<void> {
  await db.insertInto('agreement_templates').values({
    id: t.id, school_id: schoolId, key: t.key, name: t.name, body: t.body, audience: JSON.stringify(t.audience),
    parent_may_sign: t.parentMaySign, active: t.active, current_version_id: null, created_at: now, updated_at: now,
  }).onConflict((oc) => oc.columns(['school_id', 'key']).doNothing()).execute();
}

export async function updateTemplate(db: Db, schoolId: string, id: string, t: Pick<TemplateRow, 'name' | 'body' | 'audience' | 'parentMaySign' | 'active'>, now: Date): Promise<void> {
  await db.updateTable('agreement_templates').set({
    name: t.name, body: t.body, audience: JSON.stringify(t.audience), parent_may_sign: t.parentMaySign, active: t.active, updated_at: now,
  }).where('school_id', '=', schoolId).where('id', '=', id).execute();
}

export async function setCurrentVersion(db: Db, schoolId: string, templateId: string, versionId: string, now: Date): Promise<void> {
  await db.updateTable('agreement_templates').set({ current_version_id: versionId, updated_at: now })
    .where('school_id', '=', schoolId).where('id', '=', templateId).execute();
}

const toVersion = (r: {
  id: string; template_id: string; number: number; title: string; body: string; html: string; text_sha256: string;
  published_at: Date; published_by: string | null;
}): VersionRow => ({
  id: r.id, templateId: r.template_id, number: r.number, title: r.title, body: r.body, html: r.html, textSha256: r.text_sha256,
  publishedAt: new Date(r.published_at), publishedBy: r.published_by,
});

export async function getVersion(db: Db, schoolId: string, id: string): Promise<VersionRow | undefined> {
  const r = await db.selectFrom('agreement_versions').selectAll().where('school_id', '=', schoolId).where('id', '=', id).executeTakeFirst();
  return r && toVersion(r);
}

export async function versionsOf(db: Db, schoolId: string, templateId: string): Promise<VersionRow[]> {
  const rows = await db.selectFrom('agreement_versions').selectAll().where('school_id', '=', schoolId).where('template_id', '=', templateId).orderBy('number', 'desc').execute();
  return rows.map(toVersion);
}

/** The current version of each template that has one. */
export async function currentVersions(db: Db, schoolId: string): Promise<Map<string, VersionRow>> {
  const rows = await db.selectFrom('agreement_versions as v').innerJoin('agreement_templates as t', 't.current_version_id', 'v.id')
    .selectAll('v').where('v.school_id', '=', schoolId).execute();
  return new Map(rows.map((r) => [r.template_id, toVersion(r)]));
}

export async function insertVersion(db: Db, schoolId: string, v: VersionRow): Promise<void> {
  await db.insertInto('agreement_versions').values({
    id: v.id, school_id: schoolId, template_id: v.templateId, number: v.number, title: v.title, body: v.body, html: v.html,
    text_sha256: v.textSha256, published_at: v.publishedAt, published_by: v.publishedBy,
  }).execute();
}

const signatureColumns = [
  's.id', 's.version_id', 'v.template_id', 's.person_id', 's.signed_by', 's.method', 's.typed_name', 's.signed_at', 's.text_sha256',
  's.ip', 's.user_agent', 's.recorded_by', 's.recorded_at', 's.paper_location',
] as const;

const toSignature = (r: {
  id: string; version_id: string; template_id: string; person_id: string; signed_by: string | null; method: 'online' | 'parent' | 'paper';
  typed_name: string; signed_at: Date; text_sha256: string; ip: string | null; user_agent: string | null; recorded_by: string | null;
  recorded_at: Date | null; paper_location: string | null;
}): SignatureRow => ({
  id: r.id, versionId: r.version_id, templateId: r.template_id, personId: r.person_id, signedBy: r.signed_by, method: r.method,
  typedName: r.typed_name, signedAt: new Date(r.signed_at), textSha256: r.text_sha256, ip: r.ip, userAgent: r.user_agent,
  recordedBy: r.recorded_by, recordedAt: r.recorded_at && new Date(r.recorded_at), paperLocation: r.paper_location,
});

/** Signatures of the given people (all of them when `personIds` is undefined). */
export async function signaturesOf(db: Db, schoolId: string, personIds?: string[]): Promise<SignatureRow[]> {
  if (personIds && personIds.length === 0) return [];
  let q = db.selectFrom('agreement_signatures as s').innerJoin('agreement_versions as v', 'v.id', 's.version_id')
    .select(signatureColumns).where('s.school_id', '=', schoolId);
  if (personIds) q = q.where('s.person_id', 'in', personIds);
  return (await q.orderBy('s.signed_at').execute()).map(toSignature);
}

export async function getSignature(db: Db, schoolId: string, id: string): Promise<SignatureRow | undefined> {
  const r = await db.selectFrom('agreement_signatures as s').innerJoin('agreement_versions as v', 'v.id', 's.version_id')
    .select(signatureColumns).where('s.school_id', '=', schoolId).where('s.id', '=', id).executeTakeFirst();
  return r && toSignature(r);
}

export async function insertSignature(db: Db, schoolId: string, s: Omit<SignatureRow, 'templateId'>): Promise<void> {
  await db.insertInto('agreement_signatures').values({
    id: s.id, school_id: schoolId, version_id: s.versionId, person_id: s.personId, signed_by: s.signedBy, method: s.method,
    typed_name: s.typedName, signed_at: s.signedAt, text_sha256: s.textSha256, ip: s.ip, user_agent: s.userAgent,
    recorded_by: s.recordedBy, recorded_at: s.recordedAt, paper_location: s.paperLocation,
  }).execute();
}

export async function loadSettings(db: Db, schoolId: string): Promise<AgreementSettings> {
  const r = await db.selectFrom('agreement_settings').selectAll().where('school_id', '=', schoolId).executeTakeFirst();
  if (!r) return { ...DEFAULT_AGREEMENT_SETTINGS };
  return { yearStarts: r.year_starts, gating: r.gating, joinerGraceDays: r.joiner_grace_days, versionGraceDays: r.version_grace_days, yearGraceDays: r.year_grace_days };
}

export async function saveSettings(db: Db, schoolId: string, s: AgreementSettings, now: Date): Promise<void> {
  const values = {
    year_starts: s.yearStarts, gating: s.gating, joiner_grace_days: s.joinerGraceDays, version_grace_days: s.versionGraceDays,
    year_grace_days: s.yearGraceDays, updated_at: now,
  };
  await db.insertInto('agreement_settings').values({ school_id: schoolId, ...values })
    .onConflict((oc) => oc.column('school_id').doUpdateSet(values)).execute();
}

/** Active individual people (or the given ones) with what decides their audiences. */
export async function peopleFacts(db: Db, schoolId: string, personIds?: string[]): Promise<PersonFacts[]> {
  if (personIds && personIds.length === 0) return [];
  let q = db.selectFrom('people').select(['id', 'username', 'given_name', 'family_name', 'email', 'year_group', 'created_at'])
    .where('school_id', '=', schoolId).where('status', '=', 'active').where('kind', '=', 'individual');
  if (personIds) q = q.where('id', 'in', personIds);
  const people = await q.orderBy('family_name').orderBy('given_name').execute();
  const byId = new Map<string, PersonFacts>(people.map((p) => [p.id, {
    id: p.id, username: p.username, givenName: p.given_name, familyName: p.family_name, email: p.email, yearGroup: p.year_group,
    joinedAt: new Date(p.created_at), roles: [], groupIds: [],
  }]));
  let roles = db.selectFrom('person_roles').select(['person_id', 'role']).where('school_id', '=', schoolId);
  let groups = db.selectFrom('group_members').select(['person_id', 'group_id']).where('school_id', '=', schoolId);
  if (personIds) { roles = roles.where('person_id', 'in', personIds); groups = groups.where('person_id', 'in', personIds); }
  for (const r of await roles.execute()) byId.get(r.person_id)?.roles.push(r.role);
  for (const g of await groups.execute()) byId.get(g.person_id)?.groupIds.push(g.group_id);
  return [...byId.values()];
}

export async function childrenOf(db: Db, schoolId: string, parentId: string): Promise<string[]> {
  const rows = await db.selectFrom('parent_links').select('pupil_id').where('school_id', '=', schoolId).where('parent_id', '=', parentId).execute();
  return rows.map((r) => r.pupil_id);
}

export async function isParentOf(db: Db, schoolId: string, parentId: string, pupilId: string): Promise<boolean> {
  const r = await db.selectFrom('parent_links').select('pupil_id').where('school_id', '=', schoolId).where('parent_id', '=', parentId).where('pupil_id', '=', pupilId).executeTakeFirst();
  return Boolean(r);
}

/** Parents (with an e-mail address) of each pupil given. */
export async function parentsWithEmail(db: Db, schoolId: string, pupilIds: string[]): Promise<Map<string, { id: string; name: string; email: string }[]>> {
  const out = new Map<string, { id: string; name: string; email: string }[]>();
  if (pupilIds.length === 0) return out;
  const rows = await db.selectFrom('parent_links as l').innerJoin('people as p', 'p.id', 'l.parent_id')
    .select(['l.pupil_id', 'p.id', 'p.given_name', 'p.family_name', 'p.email'])
    .where('l.school_id', '=', schoolId).where('l.pupil_id', 'in', pupilIds).where('p.status', '=', 'active').where('p.email', 'is not', null).execute();
  for (const r of rows) {
    const list = out.get(r.pupil_id) ?? [];
    list.push({ id: r.id, name: `${r.given_name} ${r.family_name}`, email: r.email! });
    out.set(r.pupil_id, list);
  }
  return out;
}

export async function groupNames(db: Db, schoolId: string): Promise<Map<string, { name: string; kind: string }>> {
  const rows = await db.selectFrom('groups').select(['id', 'name', 'kind']).where('school_id', '=', schoolId).execute();
  return new Map(rows.map((r) => [r.id, { name: r.name, kind: r.kind }]));
}

export async function lastReminders(db: Db, schoolId: string): Promise<Map<string, Date>> {
  const rows = await db.selectFrom('agreement_reminders').select(['person_id', 'template_id', sql<Date>`max(sent_at)`.as('at')])
    .where('school_id', '=', schoolId).groupBy(['person_id', 'template_id']).execute();
  return new Map(rows.map((r) => [`${r.person_id}:${r.template_id}`, new Date(r.at)]));
}

export async function insertReminder(db: Db, schoolId: string, r: { id: string; sentAt: Date; sentBy: string | null; personId: string; recipientId: string | null; to: string; templateId: string }): Promise<void> {
  await db.insertInto('agreement_reminders').values({
    id: r.id, school_id: schoolId, sent_at: r.sentAt, sent_by: r.sentBy, person_id: r.personId, recipient_id: r.recipientId, to_address: r.to, template_id: r.templateId,
  }).execute();
}
