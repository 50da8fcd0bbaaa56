/**
 * Escalating a monitoring alert into an incident (R4.3 → R5.1): one operation across two modules, in one transaction,
 * so an alert is never marked escalated without its incident, nor an incident made twice from one alert. The
 * incident is restricted (safeguarding) and carries the alert's evidence — each matched event with its address or
 * search, the phrases and the score — and names the person the alert is about.
 */
import { getPerson } from '../directory/index.ts';
import { alertForEscalation, markAlertEscalated, type AlertDetail } from '../monitoring/index.ts';
import { withTransaction, type ServiceContext } from '../platform/context.ts';
import { isStaff } from './access.ts';
import type { PersonPart } from './store.ts';
import { reportIncident, type AlertEvidenceItem } from './service.ts';

export interface EscalateInput {
  /** The incident category; by default one that fits the alert (the DSL can correct it later as a new version). */
  category?: string;
  /** What the DSL writes about it; by default a summary of the alert. */
  description?: string;
  /** The part the person the alert is about plays: at risk (victim, the default for self-harm) or instigator. */
  part?: PersonPart;
}

/** The incident category that usually fits an alert; the DSL chooses another when it does not. */
export function suggestedCategory(alert: Pick<AlertDetail, 'kind' | 'category' | 'evidence'>): string {
  if (alert.kind === 'illegal') {
    const listed = alert.evidence.map((e) => e.filterCategory ?? '').join(' ');
    return /terror|ctiru|extrem/i.test(listed) ? 'terrorism_extremism' : 'child_abuse_images';
  }
  if (alert.kind === 'circumvention') return 'bypassing_filtering';
  switch (alert.category) {
    case 'self_harm': return 'self_harm_concern';
    case 'bullying': return 'bullying';
    case 'sexual': return 'pornography';
    case 'discrimination': return 'discrimination';
    case 'violence':
    case 'weapons': return 'threatening_behaviour';
    default: return 'other';
  }
}

function evidenceOf(alert: AlertDetail): AlertEvidenceItem[] {
  return alert.evidence.map((e) => {
    const phrases = e.phrases.map((p) => p.phrase);
    const what = e.searchTerm ? `Searched for "${e.searchTerm}"` : `Visited ${e.url ?? e.host}`;
    const item: AlertEvidenceItem = {
      description: `${what} (${e.action === 'block' ? 'blocked' : 'allowed'}${phrases.length ? `; matched ${phrases.join(', ')}` : ''})`,
      score: e.score, eventId: e.eventId, at: e.eventTime,
    };
    if (e.url) item.url = e.url;
    if (e.searchTerm) item.searchTerm = e.searchTerm;
    if (phrases.length) item.phrase = phrases.join(', ');
    return item;
  });
}

export async function escalateAlert(ctx: ServiceContext, alertId: string, input: EscalateInput = {}): Promise<{ id: string; reference: string }> {
  return withTransaction(ctx, async ({ db: tx }) => {
    const scoped: ServiceContext = { ...ctx, db: tx };
    const alert = await alertForEscalation(scoped, alertId);
    const person = alert.person ? await getPerson(tx, ctx.actor.schoolId, alert.person.id) : undefined;
    const kind = person?.roles.includes('pupil') ? 'pupil' as const : person && isStaff(person.roles) ? 'staff' as const : 'other' as const;
    const summary = `${alert.ruleName}${alert.categoryName ? ` (${alert.categoryName})` : ''}, score ${alert.score}`;
    const who = alert.person ? alert.person.name : alert.username ?? alert.ip ?? 'an unidentified device';
    const incident = await reportIncident(scoped, {
      occurredAt: alert.firstEventAt,
      description: input.description?.trim() || `Monitoring alert for ${who}: ${summary}.`,
      category: input.category ?? suggestedCategory(alert),
      location: 'in_school',
      urls: [...new Set(alert.evidence.map((e) => e.url).filter((u): u is string => Boolean(u)))].slice(0, 100),
      devices: alert.deviceId ? [alert.deviceId] : alert.ip ? [`Device at ${alert.ip}`] : [],
      classification: 'restricted',
      people: person
        ? [{ personId: person.id, name: `${person.givenName} ${person.familyName}`, kind, part: input.part ?? (alert.category === 'self_harm' ? 'victim' : 'instigator') }]
        : [],
      fromAlert: { alertId, summary, evidence: evidenceOf(alert) },
    });
    await markAlertEscalated(tx, ctx, alertId, incident.id);
    return incident;
  });
}
