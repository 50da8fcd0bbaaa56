/** Shapes of the incident API's answers (src/incidents/service.ts, routes.ts). */
export type Status = 'open' | 'investigating' | 'closed';
export type PersonKind = 'pupil' | 'staff' | 'parent' | 'other';
export type PersonPart = 'victim' | 'instigator' | 'witness';
export interface InvolvedPerson { personId: string | null; name: string; kind: PersonKind; part: PersonPart }

export interface Category { key: string; label: string; illegal: boolean }
export interface TriageQuestion { key: string; text: string; help: string; options: Array<{ value: string; label: string }>; askWhen?: { all: Array<{ question: string; in: string[] }> } }
export interface Reference {
  categories: Category[];
  triage: { questions: TriageQuestion[]; branches: Array<{ key: string; label: string }> };
  statuses: Record<Status, string>;
  sanctionResponses: Record<'pupil' | 'staff', Array<{ key: string; label: string }>>;
}

export interface IncidentSummary {
  id: string; reference: string; occurredAt: string; createdAt: string; category: string; categoryLabel: string; illegal: boolean;
  status: Status; classification: 'restricted' | 'general'; description: string; people: InvolvedPerson[]; reporterKind: string;
}

export interface MyReport { id: string; reference: string; reportedAt: string; occurredAt: string; whatYouReported: string; status: Status; statusLabel: string; anonymous: boolean }

export interface VersionView {
  version: number; at: string; by: string; changeNote: string; occurredAt: string; description: string; actionTaken: string; actionBy: string;
  reportedBy: string; category: string; categoryLabel: string; illegal: boolean; location: 'in_school' | 'out_of_school' | 'unknown';
  devices: string[]; urls: string[]; status: Status; outcome: string; classification: 'restricted' | 'general'; investigationDevice: string;
  people: InvolvedPerson[]; investigators: string[]; triage: Record<string, string>; sanctionType: string | null;
}

export interface StepView { id: string; key: string; branch: string; label: string; guidance: string; who: string; required: boolean; state: 'open' | 'completed' | 'skipped' | 'withdrawn'; note: string; by: string | null; at: string | null }

export interface IncidentView {
  view: 'full'; id: string; reference: string; createdAt: string;
  reporter: { kind: string; anonymous: boolean; personId: string | null };
  fromAlert: { alertId: string; summary: string; evidence: Array<{ description: string; url?: string; searchTerm?: string; phrase?: string; score?: number; at: string }> } | null;
  current: VersionView; versions: VersionView[];
  history: Array<{ at: string; by: string; action: string; summary: string }>;
  steps: StepView[];
  investigators: Array<{ id: string; name: string }>;
  grants: Array<{ personId: string; name: string; grantedAt: string; grantedBy: string; reason: string }> | null;
  can: { manage: boolean; grant: boolean };
  suggestedTriage: Record<string, string>;
}

export type IncidentAnswer = IncidentView | ({ view: 'reporter' } & MyReport);

export interface Suggestion {
  personId: string; name: string; audience: 'pupil' | 'staff'; typeKey: string | null; typeLabel: string | null; repeat: boolean;
  earlierIncidents: Array<{ reference: string; occurredAt: string }>; responses: Array<{ key: string; label: string; escalated: boolean }>;
}

export const PART_LABELS: Record<PersonPart, string> = { victim: 'Victim', instigator: 'Instigator', witness: 'Witness' };
export const KIND_LABELS: Record<PersonKind, string> = { pupil: 'Pupil', staff: 'Staff', parent: 'Parent or carer', other: 'Someone else' };
export const LOCATION_LABELS = { in_school: 'In school', out_of_school: 'Out of school', unknown: 'Not known' } as const;
export const STATUS_COLOURS: Record<Status, string> = { open: 'orange', investigating: 'blue', closed: 'gray' };

/** "2026-11-16T10:14" in local time for a datetime-local field. */
export function localInputValue(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
