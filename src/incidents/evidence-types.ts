/**
 * What the incident records (evidence, export, retention, dashboard) need from the incident core, as plain data.
 * The core owns incidents and decides who may read or change one (R5.6); these parts ask it through
 * IncidentRecordAccess and never read its tables themselves.
 */
import type { ServiceContext } from '../platform/context.ts';
import type { Db } from '../platform/db.ts';
import type { IncidentView } from './service.ts';

export type Confidentiality = 'restricted' | 'general';

/** One incident as these parts see it. */
export interface IncidentFacts {
  id: string;
  schoolId: string;
  /** The reference people quote, e.g. "INC-2026-0042". */
  reference: string;
  category: string;
  categoryLabel: string;
  confidentiality: Confidentiality;
  status: string;
  closed: boolean;
  /** When it happened (for an allegation against staff: when the allegation was made). */
  occurredAt: Date;
  reportedAt: Date;
  closedAt: Date | null;
  /** Kinds and parts of the people involved, for the default retention basis. */
  involved: { kind: string; part: string; personId: string | null; name: string }[];
}

/** A step of an incident's triage checklist, for the dashboard's overdue list. */
export interface IncidentStepFacts {
  incidentId: string;
  key: string;
  label: string;
  required: boolean;
  openedAt: Date;
  state: 'open' | 'done' | 'skipped';
}

export interface IncidentRecordAccess {
  /**
   * The incident when the actor may read it in full; otherwise an AppError (404, refusal audited as
   * `incident.<action>_refused`).
   */
  readable(ctx: ServiceContext, incidentId: string, action: string): Promise<IncidentFacts>;
  /** The incident when the actor may change it (an open record they manage); otherwise an AppError (audited). */
  manageable(ctx: ServiceContext, incidentId: string, action: string): Promise<IncidentFacts>;
  /** Whether the actor may manage this incident's record (also once closed: legal holds, retention basis). */
  canManageRecord(ctx: ServiceContext, incident: IncidentFacts): Promise<boolean>;
  /** Whether the actor may read this incident, without auditing a read (for counts and lists). */
  canRead(ctx: ServiceContext, incident: IncidentFacts): Promise<boolean>;
  /** Which of these incidents the actor may read in full (one look-up of the actor for many records). */
  readableIds(ctx: ServiceContext, incidents: IncidentFacts[]): Promise<Set<string>>;
  /** Every incident of a school, for counts and retention (no details leave without canRead). */
  allOfSchool(schoolId: string): Promise<IncidentFacts[]>;
  /** The triage steps of the school's open incidents. */
  stepsOfSchool(schoolId: string): Promise<IncidentStepFacts[]>;
  /** The full record for export (a read, audited by the core), or an AppError when the actor may not read it all. */
  forExport(ctx: ServiceContext, incidentId: string): Promise<IncidentView>;
  /** Adds a line to the incident's own history (shown on its page and in the export); pass the transaction. */
  appendHistory(tx: Db, ctx: ServiceContext, incident: IncidentFacts, entry: { action: string; summary: string; details?: Record<string, unknown> }): Promise<void>;
}

/** Suspected child sexual abuse imagery (R5.4, the key in categories.ts): never uploaded or viewed; only the referral is recorded. */
export const CHILD_ABUSE_IMAGERY_CATEGORIES: ReadonlySet<string> = new Set(['child_abuse_images']);


export function isChildAbuseImagery(incident: Pick<IncidentFacts, 'category'>): boolean {
  return CHILD_ABUSE_IMAGERY_CATEGORIES.has(incident.category);
}
