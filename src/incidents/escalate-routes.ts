/** POST /api/alerts/:id/escalate — an alert becomes a restricted incident with its evidence (src/incidents/escalate-alert.ts). */
import type { AppDeps } from '../platform/context.ts';
import { actorOf, type ModuleRoutes } from '../platform/http.ts';
import { errorResponses, IdParams } from '../platform/schemas.ts';
import { escalateAlert } from './escalate-alert.ts';
import { EscalateBody, ReportedSchema } from './schemas.ts';

export function escalateRoutes(deps: AppDeps): ModuleRoutes {
  return async function plugin(app) {
    app.post('/api/alerts/:id/escalate', {
      config: { access: 'alerts.manage' },
      schema: {
        tags: ['monitoring'],
        summary: 'Escalate an alert into a restricted incident, with the alert\'s evidence attached',
        params: IdParams,
        body: EscalateBody,
        response: { 201: ReportedSchema, ...errorResponses },
      },
    }, async (req, reply) => {
      const ctx = { db: deps.db, clock: deps.clock, actor: { ...actorOf(req), schoolId: req.user!.person.schoolId } };
      return reply.code(201).send(await escalateAlert(ctx, req.params.id, req.body));
    });
  };
}
