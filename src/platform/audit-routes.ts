/** HTTP routes for reading and verifying the audit log (administrators, headteacher, DPO). */
import { Type } from 'typebox';
import type { AppDeps } from './context.ts';
import { appendAudit, verifyAuditChain } from './audit.ts';
import { AuditEntrySchema, AuditQuery, AuditVerificationSchema } from './auth/schemas.ts';
import type { ModuleRoutes } from './app-types.ts';
import { actorOf, requireUser } from './request.ts';
import { errorsFor, NoBody } from './schemas.ts';

const errors = errorsFor(400, 401, 403);

export function auditRoutes(deps: AppDeps): ModuleRoutes {
  return async function plugin(app) {
    app.get('/api/audit', {
      config: { access: 'audit.read' },
      schema: {
        tags: ['audit'], summary: 'Audit log entries, newest first',
        querystring: AuditQuery,
        response: { 200: Type.Object({ entries: Type.Array(AuditEntrySchema) }), ...errors },
      },
    }, async (req) => {
      const q = req.query;
      const schoolId = requireUser(req).person.schoolId;
      let query = deps.db.selectFrom('audit_log').selectAll().where((eb) => eb.or([eb('school_id', '=', schoolId), eb('school_id', 'is', null)]));
      if (q.action) query = query.where('action', 'like', `${q.action.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      if (q.actor) query = query.where('actor_label', '=', q.actor.toLowerCase());
      if (q.entityId) query = query.where('entity_id', '=', q.entityId);
      if (q.before) query = query.where('seq', '<', q.before);
      const rows = await query.orderBy('seq', 'desc').limit(q.limit).execute();
      // Reading the log is itself recorded (after the query, so the page shown does not include its own entry).
      await appendAudit(deps.db, actorOf(req), { action: 'audit.read', entityType: 'audit_log', details: { filters: { action: q.action ?? null, actor: q.actor ?? null, entityId: q.entityId ?? null } } }, deps.clock.now());
      return {
        entries: rows.map((r) => ({
          seq: Number(r.seq), at: new Date(r.at).toISOString(), actorId: r.actor_id, actorLabel: r.actor_label, action: r.action,
          entityType: r.entity_type, entityId: r.entity_id, ip: r.ip, details: typeof r.details === 'string' ? JSON.parse(r.details) : r.details,
        })),
      };
    });

    app.post('/api/audit/verify', {
      config: { access: 'audit.read' },
      schema: {
        tags: ['audit'], summary: 'Check the hash chain of the whole audit log and name the first broken entry',
        body: NoBody,
        response: { 200: AuditVerificationSchema, ...errors },
      },
    }, async (req) => {
      const result = await verifyAuditChain(deps.db);
      await appendAudit(deps.db, actorOf(req), { action: 'audit.verified', entityType: 'audit_log', details: { ok: result.ok, checked: result.checked } }, deps.clock.now());
      return result;
    });
  };
}
