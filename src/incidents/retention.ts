/**
 * Retention of incident records (R5.8). Each record has a basis and a date from which it is due for review:
 *  - child protection: the pupil's date of birth + 25 years;
 *  - an allegation against staff: the later of normal retirement age (OSPREY_RETIREMENT_AGE) or 10 years from the
 *    allegation;
 *  - anything else: OSPREY_INCIDENT_RETENTION_YEARS after it was closed.
 * The directory holds no dates of birth, so the DSL records the one a schedule needs on the record's basis. A legal
 * hold stops review until released. Nothing is ever deleted by Osprey: due records are listed for a person to decide.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Config } from '../config.ts';
import { appendAudit } from '../platform/audit.ts';
import { withTransaction, type ServiceContext } from '../platform/context.ts';
import type { Db } from '../platform/db.ts';
import { AppError, badRequest } from '../platform/errors.ts';
import type { IncidentFacts, IncidentRecordAccess } from './evidence-types.ts';

export type RetentionBasis = 'child_protection' | 'staff_allegation' | 'general';
export type RetentionSettings = Pick<Config, 'retirementAge' | 'incidentRetentionYears'>;

export const BASIS_LABELS: Record<RetentionBasis, string> = {
  child_protection: 'Child protection record',
  staff_allegation: 'Allegation against a member of staff',
  general: 'General incident',
};

export interface BasisRecord { basis: RetentionBasis; dateOfBirth: string | null; reason: string; setBy: string; setAt: Date }
export interface HoldEvent { action: 'set' | 'release'; reason: string; by: string; at: Date }

export interface RetentionSchedule {
  incidentId: string;
  reference: string;
  basis: RetentionBasis;
  basisLabel: string;
  /** 'set' by a person, or the 'default' worked out from the record. */
  basisSource: 'set' | 'default';
  dateOfBirth: string | null;
  /** From when the record is due for review (ISO date), or null when it cannot be worked out yet. */
  reviewFrom: string | null;
  /** How the date was worked out, in words. */
  explanation: string;
  /** What is missing for a firm date, if anything. */
  missing: string | null;
  onHold: boolean;
  holdReason: string | null;
}

function addYears(from: Date, years: number): Date {
  const d = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()));
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d;
}
/**
 * The time of a new entry: now, or just after the previous entry if the clock has not moved on (the latest entry is
 * the one in force, so two entries must never share a time).
 */
const after = (previous: Date | undefined, now: Date) => (previous && previous.getTime() >= now.getTime() ? new Date(previous.getTime() + 1) : now);
const isoDay = (d: Date) => d.toISOString().slice(0, 10);
const dayOf = (iso: string) => new Date(`${iso}T00:00:00Z`);

/** The basis a record has until someone sets one: staff as instigators → allegation; restricted → child protection. */
export function defaultBasis(incident: IncidentFacts): RetentionBasis {
  if (incident.involved.some((p) => p.kind === 'staff' && p.part === 'instigator')) return 'staff_allegation';
  if (incident.confidentiality === 'restricted') return 'child_protection';
  return 'general';
}

/** The review date of one record under its basis (pure: the tests drive it with any dates). */
export function scheduleOf(incident: IncidentFacts, set: BasisRecord | undefined, hold: HoldEvent | undefined, settings: RetentionSettings): RetentionSchedule {
  const basis = set?.basis ?? defaultBasis(incident);
  const dob = set?.dateOfBirth ?? null;
  let reviewFrom: Date | null = null;
  let explanation: string;
  let missing: string | null = null;
  if (basis === 'child_protection') {
    if (dob) {
      reviewFrom = addYears(dayOf(dob), 25);
      explanation = `The pupil's date of birth (${dob}) + 25 years.`;
    } else {
      explanation = 'Kept until the pupil\'s date of birth + 25 years.';
      missing = 'the pupil\'s date of birth';
    }
  } else if (basis === 'staff_allegation') {
    const tenYears = addYears(incident.occurredAt, 10);
    if (dob) {
      const retirement = addYears(dayOf(dob), settings.retirementAge);
      reviewFrom = retirement > tenYears ? retirement : tenYears;
      explanation = retirement > tenYears
        ? `Normal retirement age (${settings.retirementAge}, on ${isoDay(retirement)}), which is later than 10 years from the allegation (${isoDay(tenYears)}).`
        : `10 years from the allegation (${isoDay(tenYears)}), which is later than normal retirement age (${settings.retirementAge}, on ${isoDay(retirement)}).`;
    } else {
      reviewFrom = tenYears;
      explanation = `At least 10 years from the allegation (${isoDay(tenYears)}); it may be later once the member of staff's date of birth is recorded (retirement age ${settings.retirementAge}).`;
      missing = 'the member of staff\'s date of birth';
    }
  } else if (incident.closedAt) {
    reviewFrom = addYears(incident.closedAt, settings.incidentRetentionYears);
    explanation = `${settings.incidentRetentionYears} years after it was closed (${isoDay(incident.closedAt)}).`;
  } else {
    explanation = `${settings.incidentRetentionYears} years after it is closed; it is still open.`;
  }
  const onHold = hold?.action === 'set';
  return {
    incidentId: incident.id, reference: incident.reference, basis, basisLabel: BASIS_LABELS[basis], basisSource: set ? 'set' : 'default',
    dateOfBirth: dob, reviewFrom: reviewFrom ? isoDay(reviewFrom) : null, explanation, missing, onHold, holdReason: onHold ? hold!.reason : null,
  };
}

async function basesOf(db: Db, schoolId: string, incidentId?: string): Promise<Map<string, BasisRecord>> {
  let q = db.selectFrom('incident_retention_bases')
    .select(['incident_id', 'basis', 'reason', 'set_by_label', 'set_at', sql<string | null>`to_char(subject_date_of_birth, 'YYYY-MM-DD')`.as('dob')])
    .where('school_id', '=', schoolId).orderBy('set_at').orderBy('id');
  if (incidentId) q = q.where('incident_id', '=', incidentId);
  const out = new Map<string, BasisRecord>();
  for (const r of await q.execute()) out.set(r.incident_id, { basis: r.basis, dateOfBirth: r.dob, reason: r.reason, setBy: r.set_by_label, setAt: new Date(r.set_at) });
  return out;
}

async function holdsOf(db: Db, schoolId: string, incidentId?: string): Promise<Map<string, HoldEvent[]>> {
  let q = db.selectFrom('incident_legal_holds').selectAll().where('school_id', '=', schoolId).orderBy('at').orderBy('id');
  if (incidentId) q = q.where('incident_id', '=', incidentId);
  const out = new Map<string, HoldEvent[]>();
  for (const r of await q.execute()) {
    const list = out.get(r.incident_id) ?? [];
    list.push({ action: r.action, reason: r.reason, by: r.by_label, at: new Date(r.at) });
    out.set(r.incident_id, list);
  }
  return out;
}

export interface DueRecord { schedule: RetentionSchedule; category: string; closed: boolean; confidentiality: string }

/** Every record of a school whose review date has come (and is not on hold), oldest first; and those missing a date. */
export async function recordsDueForReview(db: Db, incidents: IncidentRecordAccess, schoolId: string, now: Date, settings: RetentionSettings) {
  const [all, bases, holds] = await Promise.all([incidents.allOfSchool(schoolId), basesOf(db, schoolId), holdsOf(db, schoolId)]);
  const today = isoDay(now);
  const due: DueRecord[] = [];
  const needsInformation: DueRecord[] = [];
  let onHold = 0;
  for (const incident of all) {
    const schedule = scheduleOf(incident, bases.get(incident.id), holds.get(incident.id)?.at(-1), settings);
    const item = { schedule, category: incident.categoryLabel, closed: incident.closed, confidentiality: incident.confidentiality };
    if (schedule.onHold) { onHold++; continue; }
    if (schedule.reviewFrom && schedule.reviewFrom <= today) due.push(item);
    else if (schedule.missing) needsInformation.push(item);
  }
  due.sort((a, b) => a.schedule.reviewFrom!.localeCompare(b.schedule.reviewFrom!));
  return { due, needsInformation, onHold };
}

export interface RetentionDeps { db: Db; config: RetentionSettings; incidents: IncidentRecordAccess }

export function retentionServiceFor(deps: RetentionDeps) {
  const { incidents } = deps;

  async function mayManage(ctx: ServiceContext, incident: IncidentFacts, action: string) {
    if (await incidents.canManageRecord(ctx, incident)) return;
    await appendAudit(ctx.db, ctx.actor, { action: `incident.${action}_refused`, entityType: 'incident', entityId: incident.id }, ctx.clock.now());
    throw new AppError(403, 'forbidden', incident.confidentiality === 'restricted'
      ? 'Only the Designated Safeguarding Lead, their deputies and people they give access to can change how long this restricted record is kept.'
      : 'You can see this incident but not change how long it is kept. Ask the Designated Safeguarding Lead.');
  }

  async function view(ctx: ServiceContext, incident: IncidentFacts) {
    const [bases, holds] = await Promise.all([basesOf(ctx.db, ctx.actor.schoolId, incident.id), holdsOf(ctx.db, ctx.actor.schoolId, incident.id)]);
    const history = holds.get(incident.id) ?? [];
    const set = bases.get(incident.id);
    return {
      schedule: scheduleOf(incident, set, history.at(-1), deps.config),
      basisSetBy: set ? { by: set.setBy, at: set.setAt.toISOString(), reason: set.reason } : null,
      holds: history.map((h) => ({ ...h, at: h.at.toISOString() })),
    };
  }

  return {
    /** The record's retention schedule and legal-hold history (a read of the record, audited). */
    async get(ctx: ServiceContext, incidentId: string) {
      const incident = await incidents.readable(ctx, incidentId, 'retention_view');
      const out = await view(ctx, incident);
      await appendAudit(ctx.db, ctx.actor, { action: 'incident.retention_viewed', entityType: 'incident', entityId: incident.id }, ctx.clock.now());
      // Closed records too: holds and the basis are about keeping the record, not changing it.
      return { ...out, canManage: await incidents.canManageRecord(ctx, incident) };
    },

    /** Sets the record's basis (and the date of birth it needs); a new row, the old one stays in the history. */
    async setBasis(ctx: ServiceContext, incidentId: string, input: { basis: RetentionBasis; dateOfBirth?: string | null; reason?: string }) {
      const incident = await incidents.readable(ctx, incidentId, 'retention_set');
      await mayManage(ctx, incident, 'retention_set');
      const now = ctx.clock.now();
      const dob = input.dateOfBirth?.trim() || null;
      if (dob) {
        const d = dayOf(dob);
        if (!/^\d{4}-\d{2}-\d{2}$/.test(dob) || Number.isNaN(d.getTime()) || isoDay(d) !== dob) throw badRequest(`"${dob}" is not a date. Give the date of birth as year-month-day, for example 2012-03-27.`);
        if (d > now) throw badRequest('The date of birth is in the future. Check it and try again.');
        if (d < addYears(now, -100)) throw badRequest('The date of birth is more than 100 years ago. Check it and try again.');
      }
      if (input.basis === 'general' && dob) throw badRequest('A general incident is kept for a fixed time after it is closed; it needs no date of birth.');
      const previous = (await basesOf(ctx.db, ctx.actor.schoolId, incident.id)).get(incident.id);
      await withTransaction(ctx, async ({ db: tx }) => {
        await tx.insertInto('incident_retention_bases').values({
          id: randomUUID(), school_id: ctx.actor.schoolId, incident_id: incident.id, basis: input.basis, subject_date_of_birth: dob,
          reason: input.reason?.trim() ?? '', set_by: ctx.actor.id, set_by_label: ctx.actor.label, set_at: after(previous?.setAt, now),
        }).execute();
        await appendAudit(tx, ctx.actor, { action: 'incident.retention_set', entityType: 'incident', entityId: incident.id, details: { basis: input.basis, dateOfBirthRecorded: Boolean(dob) } }, now);
        await incidents.appendHistory(tx, ctx, incident, { action: 'incident.retention_set', summary: `Retention basis set: ${BASIS_LABELS[input.basis]}${dob ? ' (date of birth recorded)' : ''}${input.reason?.trim() ? ` — ${input.reason.trim()}` : ''}` });
      });
      return view(ctx, incident);
    },

    /** Sets or releases a legal hold, with the reason (a police investigation, a claim, an inquiry). */
    async hold(ctx: ServiceContext, incidentId: string, input: { action: 'set' | 'release'; reason: string }) {
      const incident = await incidents.readable(ctx, incidentId, 'legal_hold');
      await mayManage(ctx, incident, 'legal_hold');
      const reason = input.reason.trim();
      if (!reason) throw badRequest(input.action === 'set' ? 'Give the reason for the legal hold, for example the police investigation or the claim it is for.' : 'Give the reason for releasing the legal hold.');
      const current = (await holdsOf(ctx.db, ctx.actor.schoolId, incident.id)).get(incident.id)?.at(-1);
      if (input.action === 'set' && current?.action === 'set') throw new AppError(409, 'already_on_hold', `${incident.reference} is already on legal hold (${current.reason}).`);
      if (input.action === 'release' && current?.action !== 'set') throw new AppError(409, 'not_on_hold', `${incident.reference} is not on legal hold.`);
      const now = ctx.clock.now();
      await withTransaction(ctx, async ({ db: tx }) => {
        await tx.insertInto('incident_legal_holds').values({
          id: randomUUID(), school_id: ctx.actor.schoolId, incident_id: incident.id, action: input.action, reason, by_person: ctx.actor.id, by_label: ctx.actor.label, at: after(current?.at, now),
        }).execute();
        await appendAudit(tx, ctx.actor, { action: input.action === 'set' ? 'incident.legal_hold_set' : 'incident.legal_hold_released', entityType: 'incident', entityId: incident.id, details: { reason } }, now);
        await incidents.appendHistory(tx, ctx, incident, { action: input.action === 'set' ? 'incident.legal_hold_set' : 'incident.legal_hold_released', summary: `Legal hold ${input.action === 'set' ? 'set' : 'released'}: ${reason}` });
      });
      return view(ctx, incident);
    },

    /**
     * The records due for review, for the DSL or DPO. Restricted records the person may not read are counted and
     * shown by reference only, so nobody learns more than that a record exists.
     */
    async due(ctx: ServiceContext) {
      const found = await recordsDueForReview(ctx.db, incidents, ctx.actor.schoolId, ctx.clock.now(), deps.config);
      const readable = await incidents.readableIds(ctx, await incidents.allOfSchool(ctx.actor.schoolId));
      // A record the reader may not open is not listed at all — not its reference, dates or basis (issue 11): only a
      // count, so they know the Designated Safeguarding Lead has records of their own to review.
      const mine = (items: DueRecord[]) => items.filter((item) => readable.has(item.schedule.incidentId)).map((item) => ({ ...item, hidden: false }));
      const due = mine(found.due);
      const needsInformation = mine(found.needsInformation);
      const out = {
        due, needsInformation, onHold: found.onHold,
        notShown: (found.due.length - due.length) + (found.needsInformation.length - needsInformation.length),
      };
      await appendAudit(ctx.db, ctx.actor, { action: 'incident.retention_due_listed', entityType: 'incident', details: { due: out.due.length, needsInformation: out.needsInformation.length } }, ctx.clock.now());
      return out;
    },
  };
}
