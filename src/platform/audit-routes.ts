/** HTTP routes for reading and verifying the audit log (administrators, headteacher, DPO). */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from './context.ts';
import { appendAudit, verifyAuditChain } from './audit.ts';
import { errorSchema } from './errors.ts';
import { actorOf } from './request.ts';

const entrySchema = {
  type: 'object',
  properties: {
    seq: { type: 'integer' }, at: { type: 'string' }, actorId: { type: ['string', 'null'] }, actorLabel: { type: 'string' },
    action: { type: 'string' }, entityType: { type: 'string' }, entityId: { type: ['string', 'null'] }, ip: { type: ['string', 'null'] },
    details: { type: 'object', additionalProperties: true },
  },
} as const;

export function auditRoutes(deps: AppDeps) {
  return async function plugin(app: FastifyInstance) {
    app.get('/api/audit', {
      config: { access: 'audit.read' },
      schema: {
        tags: ['audit'], summary: 'Audit log entries, newest first',
        querystring: {
          type: 'object', additionalProperties: false,
          properties: {
            action: { type: 'string', maxLength: 100 }, actor: { type: 'string', maxLength: 100 }, entityId: { type: 'string', maxLength: 100 },
            before: { type: 'integer', minimum: 1 }, limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
          },
        },
        response: { 200: { type: 'object', properties: { entries: { type: 'array', items: entrySchema } } }, 403: errorSchema },
      },
    }, async (req) => {
      const q = req.query as { action?: string; actor?: string; entityId?: string; before?: number; limit: number };
      const schoolId = req.user!.person.schoolId;
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
        response: { 200: { type: 'object', properties: { ok: { type: 'boolean' }, checked: { type: 'integer' }, firstBroken: { type: 'object', properties: { seq: { type: 'integer' }, reason: { type: 'string' } } }, head: { type: 'object', properties: { seq: { type: 'integer' }, hash: { type: 'string' } } }, unkeyed: { type: 'integer' } } } },
      },
    }, async (req) => {
      const result = await verifyAuditChain(deps.db);
      await appendAudit(deps.db, actorOf(req), { action: 'audit.verified', entityType: 'audit_log', details: { ok: result.ok, checked: result.checked } }, deps.clock.now());
      return result;
    });
  };
}
