/**
 * The incident core seen through IncidentRecordAccess: who may read or change a record is decided by the core
 * (service.incidentForModule, access.accessTo / canManage); this only turns its records into IncidentFacts.
 */
import { sql } from 'kysely';
import type { ServiceContext } from '../platform/context.ts';
import type { Db } from '../platform/db.ts';
import { notFound } from '../platform/errors.ts';
import { accessTo, canManage, viewerOf } from './access.ts';
import { categoryOf } from './categories.ts';
import type { IncidentFacts, IncidentRecordAccess, IncidentStepFacts } from './evidence-types.ts';
import { getIncident, incidentForModule } from './service.ts';
import { appendIncidentHistory, currentVersion, currentVersions, getIncidentRow, stepsOf, type IncidentRow, type Version } from './store.ts';

function factsOf(incident: IncidentRow, current: Version, closedAt: Date | null): IncidentFacts {
  return {
    id: incident.id, schoolId: incident.schoolId, reference: incident.reference, category: current.category,
    categoryLabel: categoryOf(current.category)?.label ?? current.category, confidentiality: current.classification,
    status: current.status, closed: current.status === 'closed', occurredAt: current.occurredAt, reportedAt: incident.createdAt,
    closedAt: current.status === 'closed' ? closedAt ?? current.at : null,
    involved: current.people.map((p) => ({ kind: p.kind, part: p.part, personId: p.personId, name: p.name })),
  };
}

/** When each closed incident was first closed (closed records are never changed again, so the first time is the time). */
async function closingTimes(db: Db, schoolId: string, ids?: string[]): Promise<Map<string, Date>> {
  if (ids && ids.length === 0) return new Map();
  let q = db.selectFrom('incident_versions').select(['incident_id', sql<Date>`min(at)`.as('closed_at')])
    .where('school_id', '=', schoolId).where('status', '=', 'closed').groupBy('incident_id');
  if (ids) q = q.where('incident_id', 'in', ids);
  const rows = await q.execute();
  return new Map(rows.map((r) => [r.incident_id, new Date(r.closed_at)]));
}

export function coreIncidentAccess(db: Db): IncidentRecordAccess {
  async function withClosing(incident: IncidentRow, current: Version) {
    const times = current.status === 'closed' ? await closingTimes(db, incident.schoolId, [incident.id]) : new Map<string, Date>();
    return factsOf(incident, current, times.get(incident.id) ?? null);
  }
  return {
    async readable(ctx, incidentId, action) {
      const { incident, current } = await incidentForModule(ctx, incidentId, { action });
      return withClosing(incident, current);
    },
    async manageable(ctx, incidentId, action) {
      const { incident, current } = await incidentForModule(ctx, incidentId, { forChange: true, action });
      return withClosing(incident, current);
    },
    async canManageRecord(ctx: ServiceContext, facts) {
      const incident = await getIncidentRow(ctx.db, ctx.actor.schoolId, facts.id);
      if (!incident) throw notFound('That incident');
      return canManage(await viewerOf(ctx), incident, await currentVersion(ctx.db, facts.id));
    },
    async canRead(ctx, facts) {
      const incident = await getIncidentRow(ctx.db, ctx.actor.schoolId, facts.id);
      if (!incident) return false;
      return accessTo(await viewerOf(ctx), incident, { classification: facts.confidentiality }) === 'full';
    },
    async readableIds(ctx, list) {
      const viewer = await viewerOf(ctx);
      const rows = await currentVersions(ctx.db, ctx.actor.schoolId, { ids: list.map((i) => i.id) });
      return new Set(rows.filter(({ incident, current }) => accessTo(viewer, incident, current) === 'full').map(({ incident }) => incident.id));
    },
    async allOfSchool(schoolId) {
      const [rows, times] = await Promise.all([currentVersions(db, schoolId), closingTimes(db, schoolId)]);
      return rows.map(({ incident, current }) => factsOf(incident, current, times.get(incident.id) ?? null));
    },
    async stepsOfSchool(schoolId) {
      const open = (await currentVersions(db, schoolId)).filter(({ current }) => current.status !== 'closed');
      const out: IncidentStepFacts[] = [];
      for (const { incident } of open) {
        for (const s of await stepsOf(db, incident.id)) {
          if (s.state === 'withdrawn') continue;
          out.push({ incidentId: incident.id, key: s.key, label: s.label, required: s.required, openedAt: s.createdAt, state: s.state === 'completed' ? 'done' : s.state });
        }
      }
      return out;
    },
    async forExport(ctx, incidentId) {
      const view = await getIncident(ctx, incidentId);
      if (view.view !== 'full') throw notFound('That incident');
      return view;
    },
    async appendHistory(tx, ctx, facts, entry) {
      await appendIncidentHistory(tx, ctx.actor, { incidentId: facts.id, schoolId: facts.schoolId, action: entry.action, summary: entry.summary, details: entry.details ?? {} }, ctx.clock.now());
    },
  };
}
