/** GET /api/incidents/dashboard: counts by category and month, open items, overdue steps (R5.7). */
import type { AppDeps } from '../platform/context.ts';
import type { ModuleRoutes } from '../platform/http.ts';
import { errorsFor } from '../platform/schemas.ts';
import { dashboardServiceFor } from './dashboard.ts';
import { recordContextOf } from './evidence-routes.ts';
import type { IncidentRecordAccess } from './evidence-types.ts';
import { DashboardQuery, DashboardSchema } from './schemas.ts';

export function dashboardRoutes(deps: AppDeps, incidents: IncidentRecordAccess): ModuleRoutes {
  const dashboard = dashboardServiceFor({ config: deps.config, incidents });
  return async function plugin(app) {
    app.get('/api/incidents/dashboard', {
      config: { access: 'incidents.read' },
      schema: {
        tags: ['incidents'], summary: 'Incidents by category and month, open items and overdue steps (details only of incidents you may see)',
        querystring: DashboardQuery,
        response: { 200: DashboardSchema, ...errorsFor(400, 401, 403) },
      },
    }, async (req) => dashboard.get(recordContextOf(deps, req), req.query));
  };
}
