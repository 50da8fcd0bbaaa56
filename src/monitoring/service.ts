/**
 * Monitoring's services: the school's phrase lists and alert rules (monitoring.manage), and the alert inbox
 * (alerts.read / alerts.manage). Record-level rule: a person sees the alerts routed to one of their roles — a
 * self-harm alert routed to the DSL and deputies is not shown to the Online Safety Lead or an administrator.
 * Every read of an alert and every change is audited.
 */
import { getPerson } from '../directory/index.ts';
import { appendAudit } from '../platform/audit.ts';
import { withTransaction, type ServiceContext } from '../platform/context.ts';
import type { Db } from '../platform/db.ts';
import { badRequest, conflict, notFound } from '../platform/errors.ts';
import { ensureMonitoringDefaults } from './defaults.ts';
import { parsePhraseList, type ImportProblem, type ListFormat } from './importer.ts';
import { CATEGORY_NAMES, compileMatcher, isPhraseCategory, PHRASE_CATEGORIES, phraseLabel, type Matcher, type PhraseCategory, type PhraseMatch } from './matcher.ts';
import { ROUTABLE_ROLES, SEVERITIES } from './rules.ts';
import {
  actionsOf, addAlertAction, bumpListsVersion, deletePhrase, evidenceOf, findAlerts, getAlert, getRule, listRules, listsVersion,
  loadPhrases, phraseCounts, upsertPhrases, type AlertRow, type EvidenceRow, type RuleRow,
} from './store.ts';

// ---------------------------------------------------------------- phrase lists

export interface CategorySummary { id: PhraseCategory; name: string; phrases: number }

export async function phraseCategories(ctx: ServiceContext): Promise<{ categories: CategorySummary[]; total: number }> {
  await ensureMonitoringDefaults(ctx.db, ctx.actor.schoolId, ctx.clock.now());
  const counts = new Map((await phraseCounts(ctx.db, ctx.actor.schoolId)).map((c) => [c.category, c.phrases]));
  const categories = PHRASE_CATEGORIES.map((id) => ({ id, name: CATEGORY_NAMES[id], phrases: counts.get(id) ?? 0 }));
  return { categories, total: categories.reduce((n, c) => n + c.phrases, 0) };
}

export async function phrasesIn(ctx: ServiceContext, category: string) {
  if (!isPhraseCategory(category)) throw badRequest(`There is no phrase category '${category}'. Choose one of: ${PHRASE_CATEGORIES.join(', ')}.`);
  await ensureMonitoringDefaults(ctx.db, ctx.actor.schoolId, ctx.clock.now());
  const phrases = await loadPhrases(ctx.db, ctx.actor.schoolId, category);
  return phrases.map((p) => ({ id: p.id, phrase: phraseLabel(p.parts), parts: p.parts, weight: p.weight, source: p.source }));
}

export interface ImportRequest { category: string; format: ListFormat; content: string; fileName?: string; dryRun?: boolean; defaultWeight?: number }
export interface ImportResult { category: PhraseCategory; read: number; added: number; changed: number; unchanged: number; problems: ImportProblem[]; encoding: string; dryRun: boolean }

/** Imports a list into one category: good lines are added (or their weights updated); bad lines are reported. */
export async function importPhrases(ctx: ServiceContext, req: ImportRequest, bytes?: Uint8Array): Promise<ImportResult> {
  if (!isPhraseCategory(req.category)) throw badRequest(`There is no phrase category '${req.category}'. Choose one of: ${PHRASE_CATEGORIES.join(', ')}.`);
  const category = req.category;
  const report = parsePhraseList(bytes ?? Buffer.from(req.content, 'base64'), { category, format: req.format, defaultWeight: req.defaultWeight, file: req.fileName });
  const result: ImportResult = { category, read: report.phrases.length, added: 0, changed: 0, unchanged: 0, problems: report.problems, encoding: report.encoding, dryRun: req.dryRun === true };
  if (req.dryRun) return result;
  await ensureMonitoringDefaults(ctx.db, ctx.actor.schoolId, ctx.clock.now());
  const now = ctx.clock.now();
  await withTransaction(ctx, async ({ db: tx }) => {
    const { added, changed } = await upsertPhrases(tx, ctx.actor.schoolId, report.phrases, `import${req.fileName ? `: ${req.fileName}` : ''}`.slice(0, 200), now);
    result.added = added;
    result.changed = changed;
    result.unchanged = report.phrases.length - added - changed;
    await bumpListsVersion(tx, ctx.actor.schoolId);
    await appendAudit(tx, ctx.actor, {
      action: 'phrases.imported', entityType: 'phrase_list', entityId: category,
      details: { file: req.fileName ?? null, format: req.format, added, changed, skippedLines: report.problems.length },
    }, now);
  });
  return result;
}

export async function addPhrase(ctx: ServiceContext, req: { category: string; phrase: string; weight: number }) {
  const line = req.phrase.trim().startsWith('<') ? `${req.phrase.trim()}<${req.weight}>` : `< ${req.phrase.trim()} ><${req.weight}>`;
  const result = await importPhrases(ctx, { category: req.category, format: 'e2guardian', content: '', fileName: 'added by hand' }, Buffer.from(line));
  if (result.problems.length) throw badRequest(`That phrase cannot be used: ${result.problems[0].message}.`);
  return result;
}

export async function removePhrase(ctx: ServiceContext, id: string): Promise<void> {
  await withTransaction(ctx, async ({ db: tx }) => {
    const removed = await deletePhrase(tx, ctx.actor.schoolId, id);
    if (!removed) throw notFound('That phrase');
    await bumpListsVersion(tx, ctx.actor.schoolId);
    await appendAudit(tx, ctx.actor, { action: 'phrases.removed', entityType: 'phrase', entityId: id, details: { category: removed.category, phrase: phraseLabel(removed.parts), weight: removed.weight } }, ctx.clock.now());
  });
}

const testMatchers = new WeakMap<Db, Map<string, { version: number; matcher: Matcher }>>();

/** Scores a piece of text against the school's lists, as monitoring would: for staff checking a list works. */
export async function testPhrase(ctx: ServiceContext, text: string): Promise<{ scores: Record<string, number>; matches: PhraseMatch[] }> {
  await ensureMonitoringDefaults(ctx.db, ctx.actor.schoolId, ctx.clock.now());
  const cache = testMatchers.get(ctx.db) ?? new Map<string, { version: number; matcher: Matcher }>();
  testMatchers.set(ctx.db, cache);
  const version = await listsVersion(ctx.db, ctx.actor.schoolId);
  let entry = cache.get(ctx.actor.schoolId);
  if (!entry || entry.version !== version) {
    entry = { version, matcher: compileMatcher(await loadPhrases(ctx.db, ctx.actor.schoolId)) };
    cache.set(ctx.actor.schoolId, entry);
  }
  const r = entry.matcher.score([text]);
  return { scores: r.scores as Record<string, number>, matches: r.matches };
}

// ---------------------------------------------------------------- rules

export interface RuleView {
  id: string; name: string; kind: string; category: string | null; minScore: number | null; thresholdCount: number | null;
  windowMinutes: number | null; severity: string; priority: number; delivery: string; routeRoles: string[]; enabled: boolean;
}

const ruleView = (r: RuleRow): RuleView => ({
  id: r.id, name: r.name, kind: r.kind, category: r.category, minScore: r.min_score, thresholdCount: r.threshold_count,
  windowMinutes: r.window_minutes, severity: r.severity, priority: r.priority, delivery: r.delivery, routeRoles: r.route_roles, enabled: r.enabled,
});

export async function alertRules(ctx: ServiceContext): Promise<RuleView[]> {
  await ensureMonitoringDefaults(ctx.db, ctx.actor.schoolId, ctx.clock.now());
  return (await listRules(ctx.db, ctx.actor.schoolId)).map(ruleView);
}

export interface RuleChange {
  severity?: string; priority?: number; delivery?: 'immediate' | 'digest'; routeRoles?: string[]; minScore?: number | null;
  thresholdCount?: number | null; windowMinutes?: number | null; enabled?: boolean;
}

export async function changeRule(ctx: ServiceContext, id: string, change: RuleChange): Promise<RuleView> {
  if (change.severity && !(SEVERITIES as readonly string[]).includes(change.severity)) throw badRequest(`Severity must be one of: ${SEVERITIES.join(', ')}.`);
  if (change.routeRoles) {
    const wrong = change.routeRoles.filter((r) => !(ROUTABLE_ROLES as readonly string[]).includes(r));
    if (wrong.length) throw badRequest(`Alerts can be sent to: ${ROUTABLE_ROLES.join(', ')}. Not to: ${wrong.join(', ')}.`);
    if (change.routeRoles.length === 0) throw badRequest('An alert rule must send its alerts to at least one role, or be turned off instead.');
  }
  return withTransaction(ctx, async ({ db: tx }) => {
    const before = await getRule(tx, ctx.actor.schoolId, id);
    if (!before) throw notFound('That alert rule');
    // R4.3: an attempt at illegal content is always an immediate alert; a school may re-route it but not quieten it.
    if (before.kind === 'illegal' && (change.enabled === false || change.delivery === 'digest')) {
      throw badRequest('Attempts at illegal content always raise an immediate alert: this rule cannot be turned off or moved to the digest. You can change who it goes to.');
    }
    const next = await tx.updateTable('monitoring_rules').set({
      ...(change.severity ? { severity: change.severity as RuleRow['severity'] } : {}),
      ...(change.priority !== undefined ? { priority: change.priority } : {}),
      ...(change.delivery ? { delivery: change.delivery } : {}),
      ...(change.routeRoles ? { route_roles: change.routeRoles } : {}),
      ...(change.minScore !== undefined ? { min_score: change.minScore } : {}),
      ...(change.thresholdCount !== undefined ? { threshold_count: change.thresholdCount } : {}),
      ...(change.windowMinutes !== undefined ? { window_minutes: change.windowMinutes } : {}),
      ...(change.enabled !== undefined ? { enabled: change.enabled } : {}),
      updated_at: ctx.clock.now(),
    }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    await bumpListsVersion(tx, ctx.actor.schoolId);
    await appendAudit(tx, ctx.actor, { action: 'alert_rule.changed', entityType: 'alert_rule', entityId: id, details: { before: ruleView(before), after: ruleView(next) } }, ctx.clock.now());
    return ruleView(next);
  });
}

/** How often the digest of lower-priority alerts is sent: weekly (the default) or daily. */
export async function setDigestFrequency(ctx: ServiceContext, frequency: 'daily' | 'weekly'): Promise<{ digestFrequency: string }> {
  await ensureMonitoringDefaults(ctx.db, ctx.actor.schoolId, ctx.clock.now());
  await withTransaction(ctx, async ({ db: tx }) => {
    const before = await tx.selectFrom('monitoring_settings').select('digest_frequency').where('school_id', '=', ctx.actor.schoolId).executeTakeFirstOrThrow();
    await tx.updateTable('monitoring_settings').set({ digest_frequency: frequency }).where('school_id', '=', ctx.actor.schoolId).execute();
    await appendAudit(tx, ctx.actor, { action: 'monitoring.digest_changed', entityType: 'monitoring_settings', entityId: ctx.actor.schoolId, details: { before: before.digest_frequency, after: frequency } }, ctx.clock.now());
  });
  return { digestFrequency: frequency };
}

// ---------------------------------------------------------------- alerts

export type AlertStatus = 'open' | 'acknowledged' | 'dismissed' | 'escalated';

export interface AlertView {
  id: string; ruleName: string; kind: string; category: string | null; categoryName: string | null; severity: string; priority: number;
  delivery: string; status: AlertStatus; person: { id: string; name: string; username: string; yearGroup: string | null } | null;
  username: string | null; ip: string | null; deviceId: string | null; score: number; firstEventAt: string; lastEventAt: string;
  createdAt: string; handledBy: string | null; handledAt: string | null; handledReason: string | null; incidentId: string | null;
}

export interface AlertDetail extends AlertView {
  evidence: Array<Omit<EvidenceRow, 'eventTime'> & { eventTime: string }>;
  context: unknown[];
  actions: Array<{ at: string; by: string; action: string; reason: string | null }>;
}

async function viewerRoles(ctx: ServiceContext, db: Db = ctx.db): Promise<string[]> {
  if (!ctx.actor.id) return [];
  const rows = await db.selectFrom('person_roles').select('role').where('person_id', '=', ctx.actor.id).where('school_id', '=', ctx.actor.schoolId).execute();
  return rows.map((r) => r.role);
}

async function alertView(db: Db, a: AlertRow): Promise<AlertView> {
  const p = a.person_id ? await getPerson(db, a.school_id, a.person_id) : undefined;
  return {
    id: a.id, ruleName: a.rule_name, kind: a.kind, category: a.category,
    categoryName: a.kind === 'illegal' ? 'Illegal content' : a.category && isPhraseCategory(a.category) ? CATEGORY_NAMES[a.category] : a.category,
    severity: a.severity, priority: a.priority, delivery: a.delivery, status: a.status,
    person: p ? { id: p.id, name: `${p.givenName} ${p.familyName}`, username: p.username, yearGroup: p.yearGroup } : null,
    username: a.username, ip: a.ip, deviceId: a.device_id, score: a.score,
    firstEventAt: new Date(a.first_event_at).toISOString(), lastEventAt: new Date(a.last_event_at).toISOString(), createdAt: new Date(a.created_at).toISOString(),
    handledBy: a.handled_by_label, handledAt: a.handled_at ? new Date(a.handled_at).toISOString() : null, handledReason: a.handled_reason, incidentId: a.incident_id,
  };
}

/** Loads an alert the caller may see (routed to one of their roles); 404 otherwise, so its existence is not told. */
async function visibleAlert(ctx: ServiceContext, id: string, db: Db = ctx.db): Promise<AlertRow> {
  const a = await getAlert(db, ctx.actor.schoolId, id);
  const roles = await viewerRoles(ctx, db);
  if (!a || !a.route_roles.some((r) => roles.includes(r))) throw notFound('That alert');
  return a;
}

export async function listAlerts(ctx: ServiceContext, q: { status?: string; severity?: string; limit?: number; offset?: number }): Promise<AlertView[]> {
  const roles = await viewerRoles(ctx);
  const rows = await findAlerts(ctx.db, ctx.actor.schoolId, { roles, status: q.status, severity: q.severity, limit: q.limit ?? 100, offset: q.offset ?? 0 });
  await appendAudit(ctx.db, ctx.actor, { action: 'alerts.listed', entityType: 'alert', details: { status: q.status ?? null, severity: q.severity ?? null, shown: rows.length } }, ctx.clock.now());
  return Promise.all(rows.map((r) => alertView(ctx.db, r)));
}

/** R5.7: the alerts about one person that were sent to the viewer's roles, newest first (the listing is audited). */
export async function alertsForPerson(ctx: ServiceContext, personId: string, limit = 500): Promise<AlertView[]> {
  const roles = await viewerRoles(ctx);
  const rows = await findAlerts(ctx.db, ctx.actor.schoolId, { roles, personId, limit, offset: 0 });
  await appendAudit(ctx.db, ctx.actor, { action: 'alerts.listed', entityType: 'person', entityId: personId, details: { purpose: 'chronology', shown: rows.length } }, ctx.clock.now());
  return Promise.all(rows.map((r) => alertView(ctx.db, r)));
}

async function detailOf(db: Db, a: AlertRow): Promise<AlertDetail> {
  const evidence = await evidenceOf(db, a.id);
  const actions = await actionsOf(db, a.id);
  const context = (typeof a.context === 'string' ? JSON.parse(a.context) : a.context) as unknown[];
  return {
    ...await alertView(db, a),
    evidence: evidence.map((e) => ({ ...e, eventTime: e.eventTime.toISOString() })),
    context,
    actions: actions.map((x) => ({ at: new Date(x.at).toISOString(), by: x.actor_label, action: x.action, reason: x.reason })),
  };
}

/** One alert with its evidence, the person's recent activity and what has been done; the read is audited. */
export async function readAlert(ctx: ServiceContext, id: string): Promise<AlertDetail> {
  const a = await visibleAlert(ctx, id);
  await appendAudit(ctx.db, ctx.actor, { action: 'alert.read', entityType: 'alert', entityId: id, details: { personId: a.person_id } }, ctx.clock.now());
  return detailOf(ctx.db, a);
}

async function handle(ctx: ServiceContext, id: string, action: 'acknowledged' | 'dismissed', reason: string | null): Promise<AlertDetail> {
  return withTransaction(ctx, async ({ db: tx }) => {
    const a = await visibleAlert(ctx, id, tx);
    if (a.status === 'escalated') throw conflict('This alert has been escalated into an incident; it is handled there now.');
    if (a.status === 'dismissed') throw conflict('This alert has already been dismissed.');
    if (action === 'acknowledged' && a.status === 'acknowledged') throw conflict('This alert has already been acknowledged.');
    const now = ctx.clock.now();
    await tx.updateTable('alerts').set({ status: action, handled_by: ctx.actor.id, handled_by_label: ctx.actor.label, handled_at: now, handled_reason: reason })
      .where('id', '=', id).execute();
    await addAlertAction(tx, { alertId: id, at: now, actorId: ctx.actor.id, actorLabel: ctx.actor.label, action, reason });
    await appendAudit(tx, ctx.actor, { action: `alert.${action}`, entityType: 'alert', entityId: id, details: { reason, personId: a.person_id } }, now);
    return detailOf(tx, (await getAlert(tx, ctx.actor.schoolId, id))!);
  });
}

export function acknowledgeAlert(ctx: ServiceContext, id: string, note?: string): Promise<AlertDetail> {
  return handle(ctx, id, 'acknowledged', note?.trim() || null);
}

export function dismissAlert(ctx: ServiceContext, id: string, reason: string | undefined): Promise<AlertDetail> {
  if (!reason || reason.trim().length < 3) throw badRequest('Say why you are dismissing this alert (for example "a lesson on the history of the Second World War"). The reason is kept with the alert.');
  return handle(ctx, id, 'dismissed', reason.trim());
}

/**
 * For escalating into an incident (the incidents module): the alert with its evidence and context, if the caller
 * may see it and it is not escalated or dismissed already. The read is audited.
 */
export async function alertForEscalation(ctx: ServiceContext, alertId: string): Promise<AlertDetail> {
  const a = await visibleAlert(ctx, alertId);
  if (a.status === 'escalated') throw conflict('This alert has already been escalated into an incident.');
  await appendAudit(ctx.db, ctx.actor, { action: 'alert.read', entityType: 'alert', entityId: alertId, details: { personId: a.person_id, purpose: 'escalation' } }, ctx.clock.now());
  return detailOf(ctx.db, a);
}

/** Marks the alert escalated into `incidentId`, in the caller's transaction (the one creating the incident). */
export async function markAlertEscalated(db: Db, ctx: ServiceContext, alertId: string, incidentId: string): Promise<void> {
  const scoped: ServiceContext = { ...ctx, db };
  const a = await visibleAlert(scoped, alertId, db);
  if (a.status === 'escalated') throw conflict('This alert has already been escalated into an incident.');
  const now = ctx.clock.now();
  await db.updateTable('alerts').set({ status: 'escalated', incident_id: incidentId, handled_by: ctx.actor.id, handled_by_label: ctx.actor.label, handled_at: now })
    .where('id', '=', alertId).execute();
  await addAlertAction(db, { alertId, at: now, actorId: ctx.actor.id, actorLabel: ctx.actor.label, action: 'escalated', reason: `incident ${incidentId}` });
  await appendAudit(db, ctx.actor, { action: 'alert.escalated', entityType: 'alert', entityId: alertId, details: { incidentId } }, now);
}
