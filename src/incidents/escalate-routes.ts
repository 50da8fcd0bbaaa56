/** POST /api/alerts/:id/escalate — an alert becomes a restricted incident with its evidence (src/incidents/escalate-alert.ts). */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../platform/context.ts';
import { errorSchema } from '../platform/errors.ts';
import { actorOf } from '../platform/http.ts';
import { escalateAlert, type EscalateInput } from './escalate-alert.ts';

export function escalateRoutes(deps: AppDeps) {
  return async function plugin(app: FastifyInstance) {
    app.post<{ Params: { id: string }; Body: EscalateInput }>('/api/alerts/:id/escalate', {
      config: { access: 'alerts.manage' },
      schema: {
        tags: ['monitoring'],
        summary: 'Escalate an alert into a restricted incident, with the alert\'s evidence attached',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } },
        body: {
          type: 'object', additionalProperties: false,
          properties: {
            category: { type: 'string', maxLength: 60 },
            description: { type: 'string', maxLength: 20000 },
            part: { type: 'string', enum: ['victim', 'instigator', 'witness'] },
          },
        },
        response: {
          201: { type: 'object', required: ['id', 'reference'], properties: { id: { type: 'string' }, reference: { type: 'string' } } },
          400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema,
        },
      },
    }, async (req, reply) => {
      const ctx = { db: deps.db, clock: deps.clock, actor: { ...actorOf(req), schoolId: req.user!.person.schoolId } };
      return reply.code(201).send(await escalateAlert(ctx, req.params.id, req.body ?? {}));
    });
  };
}
