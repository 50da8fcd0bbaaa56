/**
 * The incidents dashboard (R5.7): incidents by category and month, open items, required steps open for longer than
 * OSPREY_OVERDUE_STEP_DAYS, and records due for retention review. Counts include restricted incidents (a leader needs
 * to know how many there are), but a person only sees the reference and details of the ones they may read.
 */
import type { Config } from '../config.ts';
import { appendAudit } from '../platform/audit.ts';
import type { ServiceContext } from '../platform/context.ts';
import type { IncidentRecordAccess } from './evidence-types.ts';
import { recordsDueForReview } from './retention.ts';

export interface DashboardDeps {
  config: Pick<Config, 'timeZone' | 'overdueStepDays' | 'retirementAge' | 'incidentRetentionYears'>;
  incidents: IncidentRecordAccess;
}

export interface IncidentDashboard {
  months: string[];
  categories: Array<{ key: string; label: string; total: number; byMonth: number[] }>;
  totalsByMonth: number[];
  open: { total: number; restricted: number; investigating: number };
  openItems: Array<{ id: string; reference: string; categoryLabel: string; status: string; occurredAt: string; confidentiality: string }>;
  openHidden: number;
  overdueDays: number;
  overdueSteps: Array<{ incidentId: string; reference: string; label: string; openSince: string; daysOpen: number }>;
  overdueHidden: number;
  dueForReview: number;
}

const DAY = 24 * 3600_000;

/** The last `count` months, oldest first, as YYYY-MM in the school's time zone. */
export function lastMonths(now: Date, count: number, timeZone: string): string[] {
  const [y, m] = monthOf(now, timeZone).split('-').map(Number) as [number, number];
  const out: string[] = [];
  for (let i = count - 1; i >= 0; i--) {
    const d = new Date(Date.UTC(y, m - 1 - i, 1));
    out.push(`${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`);
  }
  return out;
}

export function monthOf(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit' }).formatToParts(at);
  return `${parts.find((p) => p.type === 'year')!.value}-${parts.find((p) => p.type === 'month')!.value}`;
}

export function dashboardServiceFor(deps: DashboardDeps) {
  const { incidents, config } = deps;
  return {
    async get(ctx: ServiceContext, opts: { months?: number } = {}): Promise<IncidentDashboard> {
      const now = ctx.clock.now();
      const months = lastMonths(now, opts.months ?? 12, config.timeZone);
      const monthIndex = new Map(months.map((m, i) => [m, i]));
      const all = await incidents.allOfSchool(ctx.actor.schoolId);
      const readable = await incidents.readableIds(ctx, all);

      const categories = new Map<string, IncidentDashboard['categories'][number]>();
      const totalsByMonth = months.map(() => 0);
      for (const i of all) {
        const at = monthIndex.get(monthOf(i.occurredAt, config.timeZone));
        if (at === undefined) continue;
        const c = categories.get(i.category) ?? { key: i.category, label: i.categoryLabel, total: 0, byMonth: months.map(() => 0) };
        c.total++;
        c.byMonth[at]!++;
        totalsByMonth[at]!++;
        categories.set(i.category, c);
      }

      const open = all.filter((i) => !i.closed);
      const openReadable = open.filter((i) => readable.has(i.id));
      const byId = new Map(all.map((i) => [i.id, i]));
      const overdueBefore = now.getTime() - config.overdueStepDays * DAY;
      const overdue = (await incidents.stepsOfSchool(ctx.actor.schoolId))
        .filter((s) => s.required && s.state === 'open' && s.openedAt.getTime() < overdueBefore)
        .sort((a, b) => a.openedAt.getTime() - b.openedAt.getTime());
      const overdueReadable = overdue.filter((s) => readable.has(s.incidentId));
      const review = await recordsDueForReview(ctx.db, incidents, ctx.actor.schoolId, now, config);

      await appendAudit(ctx.db, ctx.actor, {
        action: 'incident.dashboard_viewed', entityType: 'incident',
        details: { openShown: openReadable.length, overdueShown: overdueReadable.length },
      }, now);
      return {
        months,
        categories: [...categories.values()].sort((a, b) => b.total - a.total || a.label.localeCompare(b.label)),
        totalsByMonth,
        open: { total: open.length, restricted: open.filter((i) => i.confidentiality === 'restricted').length, investigating: open.filter((i) => i.status === 'investigating').length },
        openItems: openReadable.sort((a, b) => a.reportedAt.getTime() - b.reportedAt.getTime()).map((i) => ({
          id: i.id, reference: i.reference, categoryLabel: i.categoryLabel, status: i.status, occurredAt: i.occurredAt.toISOString(), confidentiality: i.confidentiality,
        })),
        openHidden: open.length - openReadable.length,
        overdueDays: config.overdueStepDays,
        overdueSteps: overdueReadable.map((s) => ({
          incidentId: s.incidentId, reference: byId.get(s.incidentId)?.reference ?? '', label: s.label, openSince: s.openedAt.toISOString(),
          daysOpen: Math.floor((now.getTime() - s.openedAt.getTime()) / DAY),
        })),
        overdueHidden: overdue.length - overdueReadable.length,
        dueForReview: review.due.length,
      };
    },
  };
}
