/**
 * Who may see and change an incident (R5.6). Restricted (safeguarding) incidents: people with
 * `incidents.safeguarding` (the DSL and deputies) and people they grant. General ones: `incidents.read`. A reporter
 * always sees what they reported, but only the reporter's view (their words and the status). Refusals are audited.
 */
import { createHash } from 'node:crypto';
import { appendAudit } from '../platform/audit.ts';
import type { ServiceContext } from '../platform/context.ts';
import { AppError } from '../platform/errors.ts';
import { permissionsOf, STAFF_ROLES, type Permission } from '../platform/permissions.ts';
import type { Role } from '../directory/index.ts';
import { grantedIncidentIds, type IncidentRow, type Version } from './store.ts';

export interface Viewer { id: string | null; roles: string[]; perms: Set<Permission>; granted: Set<string> }

/** The acting person's roles and grants, read from the directory (so any service context will do). */
export async function viewerOf(ctx: ServiceContext): Promise<Viewer> {
  if (!ctx.actor.id) return { id: null, roles: [], perms: new Set(), granted: new Set() };
  const rows = await ctx.db.selectFrom('person_roles as r').innerJoin('people as p', 'p.id', 'r.person_id')
    .where('r.person_id', '=', ctx.actor.id).where('r.school_id', '=', ctx.actor.schoolId).where('p.status', '=', 'active').select('r.role').execute();
  const roles = rows.map((r) => r.role);
  return { id: ctx.actor.id, roles, perms: permissionsOf(roles), granted: await grantedIncidentIds(ctx.db, ctx.actor.schoolId, ctx.actor.id) };
}

export const isStaff = (roles: readonly string[]) => roles.some((r) => (STAFF_ROLES as readonly string[]).includes(r));

/** Roles senior enough to investigate (the policy: more than one senior member of staff). */
export const SENIOR_ROLES: readonly Role[] = ['headteacher', 'slt', 'online_safety_lead', 'dsl', 'deputy_dsl'];

/** sha256 of incident id and person id: lets an anonymous pupil find their own report without naming them on it. */
export const reporterHash = (incidentId: string, personId: string) => createHash('sha256').update(`${incidentId}:${personId}`).digest('hex');

export function isReporter(viewer: Viewer, incident: IncidentRow): boolean {
  if (!viewer.id) return false;
  if (incident.reporterId === viewer.id) return true;
  return Boolean(incident.reporterHash && incident.reporterHash === reporterHash(incident.id, viewer.id));
}

export type Access = 'full' | 'reporter' | 'none';

/** What this viewer may see of this incident. */
export function accessTo(viewer: Viewer, incident: IncidentRow, current: Pick<Version, 'classification'>): Access {
  if (current.classification === 'restricted') {
    if (viewer.perms.has('incidents.safeguarding') || viewer.granted.has(incident.id)) return 'full';
  } else if (viewer.perms.has('incidents.read') || viewer.perms.has('incidents.safeguarding') || viewer.granted.has(incident.id)) {
    return 'full';
  }
  return isReporter(viewer, incident) ? 'reporter' : 'none';
}

/** May change it: manage rights, and for a restricted one the DSL's own right or their grant. */
export function canManage(viewer: Viewer, incident: IncidentRow, current: Pick<Version, 'classification'>): boolean {
  if (viewer.perms.has('incidents.safeguarding')) return true;
  if (!viewer.perms.has('incidents.manage')) return false;
  return current.classification === 'general' || viewer.granted.has(incident.id);
}

/** An error that is also written to the audit log (outside the refused transaction) by `guarded`. */
export class Refusal extends AppError {
  constructor(status: number, code: string, message: string, readonly auditAction: string) { super(status, code, message); }
}

/** Runs a change; if it is refused, the refusal is audited (after the change's transaction has rolled back). */
export async function guarded<T>(ctx: ServiceContext, incidentId: string | null, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof Refusal) {
      await appendAudit(ctx.db, ctx.actor, { action: err.auditAction, entityType: 'incident', entityId: incidentId, details: { refused: err.message } }, ctx.clock.now());
    }
    throw err;
  }
}
