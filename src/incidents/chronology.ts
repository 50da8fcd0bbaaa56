/**
 * A person's chronology (R5.7): the incidents they were involved in and the monitoring alerts about them, oldest
 * first, so the DSL sees a pattern (three alerts in a month, then a concern from a teacher) in one place. Each side
 * keeps its own rules: restricted incidents only for those allowed, alerts only those sent to the viewer's roles.
 */
import { alertsForPerson } from '../monitoring/index.ts';
import type { ServiceContext } from '../platform/context.ts';
import { viewerOf } from './access.ts';
import { incidentsForPerson, type ChronologyEntry } from './service.ts';

export interface AlertChronologyEntry {
  kind: 'alert';
  at: string;
  alertId: string;
  summary: string;
  severity: string;
  status: string;
  incidentId: string | null;
}

export type PersonChronologyEntry = ChronologyEntry | AlertChronologyEntry;

export async function personChronology(ctx: ServiceContext, personId: string): Promise<PersonChronologyEntry[]> {
  const incidents = await incidentsForPerson(ctx, personId);
  const viewer = await viewerOf(ctx);
  const alerts: AlertChronologyEntry[] = viewer.perms.has('alerts.read')
    ? (await alertsForPerson(ctx, personId)).map((a) => ({
      kind: 'alert', at: a.firstEventAt, alertId: a.id, summary: a.categoryName ? `${a.ruleName} (${a.categoryName})` : a.ruleName,
      severity: a.severity, status: a.status, incidentId: a.incidentId,
    }))
    : [];
  return [...incidents, ...alerts].sort((a, b) => a.at.localeCompare(b.at));
}
