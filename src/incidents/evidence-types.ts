/**
 * What the incident records (evidence, export, retention, dashboard) need from the incident core, as plain data.
 * The core owns incidents and decides who may read or change one (R5.6); these parts ask it through
 * IncidentRecordAccess and never read its tables themselves.
 */
import type { ServiceContext } from '../platform/context.ts';

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

/** Everything a police or LADO referral shows (R5.9). */
export interface IncidentForExport {
  facts: IncidentFacts;
  summary: { label: string; value: string }[];
  versions: { version: number; at: Date; by: string; changes: string[] }[];
  people: { name: string; kind: string; part: string }[];
  steps: { label: string; required: boolean; state: string; by: string | null; at: Date | null; note: string | null }[];
  actions: { at: Date; by: string; text: string }[];
}

export interface IncidentRecordAccess {
  /** The incident when the actor may read it; otherwise an AppError (404 for another school's, 403 restricted). */
  readable(ctx: ServiceContext, incidentId: string): Promise<IncidentFacts>;
  /** The incident when the actor may change it (add evidence, set a hold); otherwise an AppError. */
  manageable(ctx: ServiceContext, incidentId: string): Promise<IncidentFacts>;
  /** Whether the actor may read this incident, without auditing a read (for counts and lists). */
  canRead(ctx: ServiceContext, incident: IncidentFacts): Promise<boolean>;
  /** Every incident of a school, for counts and retention (no details leave without canRead). */
  allOfSchool(schoolId: string): Promise<IncidentFacts[]>;
  /** The triage steps of the school's open incidents. */
  stepsOfSchool(schoolId: string): Promise<IncidentStepFacts[]>;
  /** The full record for export; the caller has already checked readable(). */
  forExport(ctx: ServiceContext, incidentId: string): Promise<IncidentForExport>;
}

/** Suspected child sexual abuse imagery (R5.4, the key in categories.ts): never uploaded or viewed; only the referral is recorded. */
export const CHILD_ABUSE_IMAGERY_CATEGORIES: ReadonlySet<string> = new Set(['child_abuse_images']);


export function isChildAbuseImagery(incident: Pick<IncidentFacts, 'category'>): boolean {
  return CHILD_ABUSE_IMAGERY_CATEGORIES.has(incident.category);
}
