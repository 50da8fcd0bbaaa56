/**
 * Shapes of the incident API's answers: the server's schemas (src/incidents/schemas.ts) say what each answer holds, and
 * the web interface uses their types (type-only imports: the bundle does not include the schemas). Below them, what
 * only the web interface needs: labels, colours and a date helper.
 */
import type { PersonKind, PersonPart, Status } from '../../../src/incidents/schemas.ts';

export type {
  Category, IncidentAnswer, IncidentSummary, IncidentView, InvolvedPerson, MyReport, PersonKind, PersonPart, Reference, Status, StepView,
  Suggestion, TriageQuestion, VersionView,
} from '../../../src/incidents/schemas.ts';

export const PART_LABELS: Record<PersonPart, string> = { victim: 'Victim', instigator: 'Instigator', witness: 'Witness' };
export const KIND_LABELS: Record<PersonKind, string> = { pupil: 'Pupil', staff: 'Staff', parent: 'Parent or carer', other: 'Someone else' };
export const LOCATION_LABELS = { in_school: 'In school', out_of_school: 'Out of school', unknown: 'Not known' } as const;
export const STATUS_COLOURS: Record<Status, string> = { open: 'orange', investigating: 'blue', closed: 'gray' };

/** "2026-11-16T10:14" in local time for a datetime-local field. */
export function localInputValue(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
