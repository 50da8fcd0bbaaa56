/** GET /api/incidents/dashboard: counts by category and month, open items, overdue steps (R5.7). */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../platform/context.ts';
import { errorSchema } from '../platform/errors.ts';
import { dashboardServiceFor } from './dashboard.ts';
import { recordContextOf } from './evidence-routes.ts';
import type { IncidentRecordAccess } from './evidence-types.ts';

export function dashboardRoutes(deps: AppDeps, incidents: IncidentRecordAccess) {
  const dashboard = dashboardServiceFor({ config: deps.config, incidents });
  return async function plugin(app: FastifyInstance) {
    app.get('/api/incidents/dashboard', {
      config: { access: 'incidents.read' },
      schema: {
        tags: ['incidents'], summary: 'Incidents by category and month, open items and overdue steps (details only of incidents you may see)',
        querystring: { type: 'object', additionalProperties: false, properties: { months: { type: 'integer', minimum: 1, maximum: 36 } } },
        response: { 401: errorSchema, 403: errorSchema },
      },
    }, async (req) => dashboard.get(recordContextOf(deps, req), req.query as { months?: number }));
  };
}
