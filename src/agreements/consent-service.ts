/**
 * Media consents (R7.1–R7.3): parents with parental responsibility give, refuse or withdraw consent per pupil and
 * per use; staff record paper forms; anyone with `consents.check` asks "may this pupil's image be used for this?".
 * History is append-only: the current answer is the latest decision, and no decision at all means no.
 * Decided here (docs/consents.md): a leaver's consents answer no (consent lasts for the pupil's time at school);
 * when two parents disagree, the latest decision stands.
 */
import { appendAudit, appendAuditMany, type AuditEvent } from '../platform/audit.ts';
import { withTransaction, type ServiceContext } from '../platform/context.ts';
import type { Db } from '../platform/db.ts';
import { badRequest, conflict, forbidden, notFound } from '../platform/errors.ts';
import { family } from '../directory/index.ts';
import type { PupilRef } from '../directory/index.ts';
import { CONSENT_USES, FULL_NAME_REMINDER, type ConsentUse } from './consent-uses.ts';
import * as store from './consent-store.ts';
import type { ConsentDecisionRow } from './consent-store.ts';

export const DEFAULT_TIME_ZONE = 'Europe/London';

export interface DecisionView {
  id: string;
  use: string;
  useLabel: string;
  decision: ConsentDecisionRow['decision'];
  parentName: string;
  channel: 'online' | 'paper';
  recordedByName: string;
  recordedAt: string;
  formDated: string | null;
  formKeptAt: string | null;
  note: string;
}

export interface PupilView { id: string; name: string; username: string; yearGroup: string | null; status: PupilRef['status'] }

export interface ConsentAnswer {
  pupil: PupilView;
  use: { key: string; label: string };
  allowed: boolean;
  reason: 'given' | 'refused' | 'withdrawn' | 'no_record' | 'left_school';
  decision: DecisionView | null;
  /** One plain sentence: the answer, who and when. */
  summary: string;
  reminder: string;
}

export function useOf(key: string): ConsentUse {
  const use = CONSENT_USES.find((u) => u.key === key);
  if (!use) throw badRequest(`'${key}' is not a use of images Osprey knows. Use one of: ${CONSENT_USES.map((u) => u.key).join(', ')}.`);
  return use;
}

export const pupilView = (p: PupilRef): PupilView => ({ id: p.id, name: `${p.givenName} ${p.familyName}`, username: p.username, yearGroup: p.yearGroup, status: p.status });

export function decisionView(r: ConsentDecisionRow): DecisionView {
  return {
    id: r.id, use: r.use, useLabel: CONSENT_USES.find((u) => u.key === r.use)?.label ?? r.use, decision: r.decision, parentName: r.parentName,
    channel: r.channel, recordedByName: r.recordedByName, recordedAt: r.recordedAt.toISOString(), formDated: r.formDated, formKeptAt: r.formKeptAt, note: r.note,
  };
}

export function formatDate(d: Date, timeZone = DEFAULT_TIME_ZONE): string {
  return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone }).format(d);
}

/** The answer for one pupil and use from their latest decision (pure). */
export function answerFor(pupil: PupilRef, use: ConsentUse, latest: ConsentDecisionRow | undefined, timeZone = DEFAULT_TIME_ZONE): ConsentAnswer {
  const base = { pupil: pupilView(pupil), use: { key: use.key, label: use.label }, decision: latest ? decisionView(latest) : null, reminder: FULL_NAME_REMINDER };
  const name = base.pupil.name;
  const how = latest?.channel === 'paper' ? ' (paper form)' : '';
  if (pupil.status === 'leaver') {
    return { ...base, allowed: false, reason: 'left_school', summary: `No: ${name} has left the school. Consent lasts only for a pupil's time at school.` };
  }
  if (!latest) {
    return { ...base, allowed: false, reason: 'no_record', summary: `No: no parent or carer has given consent for ${use.label.toLowerCase()}. Without consent the answer is no.` };
  }
  const when = formatDate(latest.recordedAt, timeZone);
  if (latest.decision === 'given') {
    return { ...base, allowed: true, reason: 'given', summary: `Yes: ${latest.parentName} gave consent for ${use.label.toLowerCase()} on ${when}${how}.` };
  }
  const verb = latest.decision === 'withdrawn' ? 'withdrew' : 'refused';
  return { ...base, allowed: false, reason: latest.decision, summary: `No: ${latest.parentName} ${verb} consent for ${use.label.toLowerCase()} on ${when}${how}.` };
}

async function requirePupil(db: Db, schoolId: string, pupilId: string): Promise<PupilRef> {
  const pupil = await family.getPupil(db, schoolId, pupilId);
  if (!pupil) throw notFound('That pupil');
  return pupil;
}

const checkedEvent = (a: ConsentAnswer, extra: Record<string, unknown> = {}): AuditEvent => ({
  action: 'consent.checked', entityType: 'person', entityId: a.pupil.id, details: { use: a.use.key, allowed: a.allowed, reason: a.reason, ...extra },
});

/** R7.3: may this pupil's image be used for this purpose? Every check of a named pupil is audited. */
export async function checkConsent(ctx: ServiceContext, pupilId: string, useKey: string, timeZone?: string): Promise<ConsentAnswer> {
  const use = useOf(useKey);
  const pupil = await requirePupil(ctx.db, ctx.actor.schoolId, pupilId);
  const latest = (await store.latestDecisions(ctx.db, ctx.actor.schoolId, [pupil.id])).get(pupil.id)?.get(use.key);
  const answer = answerFor(pupil, use, latest, timeZone);
  await appendAudit(ctx.db, ctx.actor, checkedEvent(answer), ctx.clock.now());
  return answer;
}

/** Pupils matching what was typed, for the check's search box; the search is audited (it shows names). */
export async function findPupilsToCheck(ctx: ServiceContext, typed: string): Promise<PupilView[]> {
  const found = await family.findPupils(ctx.db, ctx.actor.schoolId, typed, 20);
  await appendAudit(ctx.db, ctx.actor, { action: 'consent.pupils_searched', entityType: 'person', details: { q: typed, shown: found.length } }, ctx.clock.now());
  return found.map(pupilView);
}

export async function groupsToCheck(ctx: ServiceContext) {
  return family.groupsWithPupils(ctx.db, ctx.actor.schoolId);
}

export interface BulkCheckInput { use: string; groupId?: string; names?: string[] }

export interface BulkCheckAnswer {
  use: { key: string; label: string };
  group: string | null;
  checked: number;
  /** Pupils whose image may NOT be used: the list that matters for a class photo. */
  mayNotAppear: ConsentAnswer[];
  mayAppear: PupilView[];
  /** Lines that match no pupil, and lines that match several (say which). */
  unknown: string[];
  ambiguous: { typed: string; matches: PupilView[] }[];
  reminder: string;
}

/** "These 28 pupils, for the newsletter": who may not appear, and which names could not be matched. */
export async function bulkCheck(ctx: ServiceContext, input: BulkCheckInput, timeZone?: string): Promise<BulkCheckAnswer> {
  const use = useOf(input.use);
  const { db } = ctx;
  const schoolId = ctx.actor.schoolId;
  const pupils = new Map<string, PupilRef>();
  const unknown: string[] = [];
  const ambiguous: BulkCheckAnswer['ambiguous'] = [];
  let groupName: string | null = null;
  if (input.groupId) {
    const groups = await family.groupsWithPupils(db, schoolId);
    const group = groups.find((g) => g.id === input.groupId);
    if (!group) throw notFound('That class or group (or it has no pupils)');
    groupName = group.name;
    for (const p of await family.pupilsInGroup(db, schoolId, input.groupId)) pupils.set(p.id, p);
  }
  const lines = [...new Set((input.names ?? []).map((n) => n.trim()).filter(Boolean))];
  if (lines.length > 500) throw badRequest('That is more than 500 names. Check a class at a time.');
  for (const line of lines) {
    const found = await family.findPupils(db, schoolId, line, 10);
    const exact = found.filter((p) => p.username === line.toLowerCase() || `${p.givenName} ${p.familyName}`.toLowerCase() === line.toLowerCase());
    const matches = exact.length === 1 ? exact : found;
    if (matches.length === 0) unknown.push(line);
    else if (matches.length > 1) ambiguous.push({ typed: line, matches: matches.map(pupilView) });
    else pupils.set(matches[0].id, matches[0]);
  }
  if (pupils.size === 0 && unknown.length === 0 && ambiguous.length === 0) throw badRequest('Choose a class or group, or paste the pupils\' names or usernames, one a line.');
  const latest = await store.latestDecisions(db, schoolId, [...pupils.keys()]);
  const answers = [...pupils.values()].map((p) => answerFor(p, use, latest.get(p.id)?.get(use.key), timeZone))
    .sort((a, b) => a.pupil.name.localeCompare(b.pupil.name, 'en-GB'));
  await appendAuditMany(db, ctx.actor, answers.map((a) => checkedEvent(a, { bulk: true, group: groupName })), ctx.clock.now());
  return {
    use: { key: use.key, label: use.label }, group: groupName, checked: answers.length,
    mayNotAppear: answers.filter((a) => !a.allowed), mayAppear: answers.filter((a) => a.allowed).map((a) => a.pupil),
    unknown, ambiguous, reminder: FULL_NAME_REMINDER,
  };
}

// ---- Parental responsibility -------------------------------------------------------------------------------

export interface LinkedAdultView { id: string; name: string; username: string; hasResponsibility: boolean; recordedBy: string | null; recordedAt: string | null; note: string }

async function linkedAdults(db: Db, schoolId: string, pupilId: string): Promise<LinkedAdultView[]> {
  const [adults, records] = await Promise.all([family.adultsLinkedToPupil(db, schoolId, pupilId), store.responsibilityRecords(db, schoolId, pupilId)]);
  return adults.map((a) => {
    const r = records.get(a.id);
    return {
      id: a.id, name: `${a.givenName} ${a.familyName}`, username: a.username, hasResponsibility: r ? r.hasResponsibility : true,
      recordedBy: r?.recordedByName ?? null, recordedAt: r?.recordedAt.toISOString() ?? null, note: r?.note ?? '',
    };
  });
}

/**
 * Whether this adult may decide for this pupil: linked to them, and not recorded by the school as being without
 * parental responsibility.
 */
export async function responsibilityOf(db: Db, schoolId: string, adultId: string, pupilId: string): Promise<'yes' | 'not_linked' | 'no_responsibility'> {
  if (!(await family.isLinkedParent(db, schoolId, adultId, pupilId))) return 'not_linked';
  const record = (await store.responsibilityRecords(db, schoolId, pupilId)).get(adultId);
  return record && !record.hasResponsibility ? 'no_responsibility' : 'yes';
}

/** Refuses a change by someone without parental responsibility, and records the refusal (its own transaction). */
async function refuseChange(ctx: ServiceContext, pupilId: string, who: { adultId: string; by: 'parent' | 'staff' }, why: 'not_linked' | 'no_responsibility', uses: string[]): Promise<never> {
  await appendAudit(ctx.db, ctx.actor, {
    action: 'consent.change_refused', entityType: 'person', entityId: pupilId,
    details: { adultId: who.adultId, recordedBy: who.by, reason: why, uses },
  }, ctx.clock.now());
  if (who.by === 'parent') {
    throw forbidden(why === 'not_linked'
      ? 'You can only change consents for your own children. If this is your child, ask the school office to link you to them.'
      : 'The school\'s records say you do not have parental responsibility for this child, so you cannot change their consents. Please speak to the school office.');
  }
  throw forbidden(why === 'not_linked'
    ? 'That adult is not linked to this pupil. Only a parent or carer with parental responsibility can give or withdraw consent: link them to the pupil first.'
    : 'The school has recorded that this adult does not have parental responsibility for this pupil, so their form cannot be recorded as consent.');
}

async function nameOf(db: Db, schoolId: string, personId: string | null, fallback: string): Promise<string> {
  if (!personId) return fallback;
  const p = await family.getPerson(db, schoolId, personId);
  return p ? `${p.givenName} ${p.familyName}` : fallback;
}

/** given → 'given'; not given → 'withdrawn' when it had been given, otherwise 'refused'. */
function decisionAfter(previous: ConsentDecisionRow | undefined, given: boolean): ConsentDecisionRow['decision'] {
  if (given) return 'given';
  return previous?.decision === 'given' ? 'withdrawn' : 'refused';
}

export async function recordResponsibility(ctx: ServiceContext, pupilId: string, input: { parentId: string; hasResponsibility: boolean; note?: string }): Promise<void> {
  const pupil = await requirePupil(ctx.db, ctx.actor.schoolId, pupilId);
  if (!(await family.isLinkedParent(ctx.db, ctx.actor.schoolId, input.parentId, pupil.id))) {
    throw badRequest('That adult is not linked to this pupil. Link them on the pupil\'s page in People & groups first.');
  }
  await withTransaction(ctx, async ({ db: tx }) => {
    const now = ctx.clock.now();
    await store.insertResponsibility(tx, ctx.actor.schoolId, {
      parentId: input.parentId, pupilId: pupil.id, hasResponsibility: input.hasResponsibility, note: input.note?.trim() ?? '',
      recordedById: ctx.actor.id, recordedByName: await nameOf(tx, ctx.actor.schoolId, ctx.actor.id, ctx.actor.label),
    }, now);
    await appendAudit(tx, ctx.actor, { action: 'consent.responsibility_recorded', entityType: 'person', entityId: pupil.id, details: { parentId: input.parentId, hasResponsibility: input.hasResponsibility } }, now);
  });
}

// ---- Staff: a pupil's record and paper forms ----------------------------------------------------------------

export interface PupilConsentRecord {
  pupil: PupilView;
  adults: LinkedAdultView[];
  current: ConsentAnswer[];
  history: DecisionView[];
  reminder: string;
}

/** Everything about one pupil's consents, for the office (`consents.manage`); audited. */
export async function pupilConsentRecord(ctx: ServiceContext, pupilId: string, timeZone?: string): Promise<PupilConsentRecord> {
  const pupil = await requirePupil(ctx.db, ctx.actor.schoolId, pupilId);
  const [adults, latest, history] = await Promise.all([
    linkedAdults(ctx.db, ctx.actor.schoolId, pupil.id), store.latestDecisions(ctx.db, ctx.actor.schoolId, [pupil.id]), store.historyOf(ctx.db, ctx.actor.schoolId, pupil.id),
  ]);
  await appendAudit(ctx.db, ctx.actor, { action: 'consent.record_viewed', entityType: 'person', entityId: pupil.id }, ctx.clock.now());
  return {
    pupil: pupilView(pupil), adults, current: CONSENT_USES.map((u) => answerFor(pupil, u, latest.get(pupil.id)?.get(u.key), timeZone)),
    history: history.map(decisionView), reminder: FULL_NAME_REMINDER,
  };
}

export interface PaperConsentInput {
  parentId: string;
  /** use key → given (true) or refused/withdrawn (false); the uses the form answers. */
  decisions: Record<string, boolean>;
  /** The date written on the form (YYYY-MM-DD). */
  formDated: string;
  /** Where the paper form is kept, e.g. "Office, consent forms folder 2026–27". */
  formKeptAt: string;
  note?: string;
}

/** Staff record a paper consent form signed by a parent with parental responsibility (who, when, where it is kept). */
export async function recordPaperConsent(ctx: ServiceContext, pupilId: string, input: PaperConsentInput): Promise<{ recorded: number }> {
  const schoolId = ctx.actor.schoolId;
  const pupil = await requirePupil(ctx.db, schoolId, pupilId);
  const uses = Object.keys(input.decisions);
  if (uses.length === 0) throw badRequest('Say which uses the form answers: tick yes or no for at least one.');
  uses.forEach(useOf);
  if (!input.formKeptAt.trim()) throw badRequest('Say where the paper form is kept, so that it can be found again (for example "Office, consent folder 2026–27").');
  const dated = new Date(`${input.formDated}T12:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.formDated) || Number.isNaN(dated.getTime())) throw badRequest('Give the date written on the form as a date, e.g. 2026-09-07.');
  if (dated.getTime() > ctx.clock.now().getTime() + 86_400_000) throw badRequest('The date on the form is in the future. Check the date and try again.');
  if (pupil.status === 'leaver' && Object.values(input.decisions).some(Boolean)) throw conflict(`${pupilView(pupil).name} has left the school, so consent cannot be given for them any more.`);
  const responsibility = await responsibilityOf(ctx.db, schoolId, input.parentId, pupil.id);
  if (responsibility !== 'yes') return refuseChange(ctx, pupil.id, { adultId: input.parentId, by: 'staff' }, responsibility, uses);
  return withTransaction(ctx, async ({ db: tx }) => {
    const now = ctx.clock.now();
    const latest = (await store.latestDecisions(tx, schoolId, [pupil.id])).get(pupil.id);
    const parentName = await nameOf(tx, schoolId, input.parentId, 'a parent or carer');
    const recordedByName = await nameOf(tx, schoolId, ctx.actor.id, ctx.actor.label);
    const events: AuditEvent[] = [];
    for (const use of uses) {
      const decision = decisionAfter(latest?.get(use), input.decisions[use]);
      const id = await store.insertDecision(tx, schoolId, {
        pupilId: pupil.id, use, decision, parentId: input.parentId, parentName, channel: 'paper', recordedById: ctx.actor.id, recordedByName,
        formDated: input.formDated, formKeptAt: input.formKeptAt.trim(), note: input.note?.trim() ?? '',
      }, now);
      events.push({ action: `consent.${decision}`, entityType: 'person', entityId: pupil.id, details: { decisionId: id, use, parentId: input.parentId, channel: 'paper', formKeptAt: input.formKeptAt.trim() } });
    }
    await appendAuditMany(tx, ctx.actor, events, now);
    return { recorded: uses.length };
  });
}

// ---- Parents' view -------------------------------------------------------------------------------------------

export interface ChildConsents {
  pupil: PupilView;
  /** False when the school has recorded that this adult does not have parental responsibility: view only. */
  canChange: boolean;
  consents: ConsentAnswer[];
  history: DecisionView[];
}

/** A parent's children (parent_links) with each child's consents and history. */
export async function familyConsents(ctx: ServiceContext, timeZone?: string): Promise<{ children: ChildConsents[]; uses: readonly ConsentUse[]; reminder: string }> {
  const schoolId = ctx.actor.schoolId;
  if (!ctx.actor.id) throw forbidden();
  const children = await family.childrenOfParent(ctx.db, schoolId, ctx.actor.id);
  const latest = await store.latestDecisions(ctx.db, schoolId, children.map((c) => c.id));
  const out: ChildConsents[] = [];
  for (const child of children) {
    const canChange = (await responsibilityOf(ctx.db, schoolId, ctx.actor.id, child.id)) === 'yes' && child.status !== 'leaver';
    out.push({
      pupil: pupilView(child), canChange, consents: CONSENT_USES.map((u) => answerFor(child, u, latest.get(child.id)?.get(u.key), timeZone)),
      history: (await store.historyOf(ctx.db, schoolId, child.id)).map(decisionView),
    });
  }
  if (children.length) await appendAudit(ctx.db, ctx.actor, { action: 'consent.family_viewed', entityType: 'person', entityId: ctx.actor.id, details: { children: children.map((c) => c.id) } }, ctx.clock.now());
  return { children: out, uses: CONSENT_USES, reminder: FULL_NAME_REMINDER };
}

/** A parent gives or withdraws consent for one of their children, for one use. Refused (and audited) otherwise. */
export async function parentDecides(ctx: ServiceContext, pupilId: string, useKey: string, given: boolean, timeZone?: string): Promise<ConsentAnswer> {
  const schoolId = ctx.actor.schoolId;
  const use = useOf(useKey);
  if (!ctx.actor.id) throw forbidden();
  const responsibility = await responsibilityOf(ctx.db, schoolId, ctx.actor.id, pupilId);
  if (responsibility !== 'yes') return refuseChange(ctx, pupilId, { adultId: ctx.actor.id, by: 'parent' }, responsibility, [use.key]);
  const pupil = await requirePupil(ctx.db, schoolId, pupilId);
  if (pupil.status === 'leaver' && given) throw conflict(`${pupil.givenName} has left the school, so consent cannot be given any more.`);
  return withTransaction(ctx, async ({ db: tx }) => {
    const now = ctx.clock.now();
    const previous = (await store.latestDecisions(tx, schoolId, [pupil.id])).get(pupil.id)?.get(use.key);
    const decision = decisionAfter(previous, given);
    const parentName = await nameOf(tx, schoolId, ctx.actor.id, ctx.actor.label);
    const id = await store.insertDecision(tx, schoolId, {
      pupilId: pupil.id, use: use.key, decision, parentId: ctx.actor.id!, parentName, channel: 'online', recordedById: ctx.actor.id, recordedByName: parentName,
    }, now);
    await appendAudit(tx, ctx.actor, { action: `consent.${decision}`, entityType: 'person', entityId: pupil.id, details: { decisionId: id, use: use.key, channel: 'online' } }, now);
    const row = (await store.latestDecisions(tx, schoolId, [pupil.id])).get(pupil.id)!.get(use.key)!;
    return answerFor(pupil, use, row, timeZone);
  });
}

/** For the command line: a pupil from a username or name; several matches or none is the caller's usage error. */
export async function resolvePupil(ctx: ServiceContext, typed: string): Promise<{ pupil?: PupilRef; matches: PupilView[] }> {
  const found = await family.findPupils(ctx.db, ctx.actor.schoolId, typed, 20);
  const exact = found.filter((p) => `${p.givenName} ${p.familyName}`.toLowerCase() === typed.trim().toLowerCase() || p.username === typed.trim().toLowerCase());
  const matches = exact.length === 1 ? exact : found;
  return matches.length === 1 ? { pupil: matches[0], matches: matches.map(pupilView) } : { matches: matches.map(pupilView) };
}

