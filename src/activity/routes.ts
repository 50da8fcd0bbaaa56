/**
 * HTTP routes for activity (R4.1): search and CSV export, both behind `activity.read` (safeguarding and network
 * staff; never pupils, parents, teachers or governors). A person's timeline is the search filtered to them.
 */
import { Readable } from 'node:stream';
import type { AppDeps } from '../platform/context.ts';
import { serviceContextOf, type ModuleRoutes } from '../platform/http.ts';
import { errorsFor } from '../platform/schemas.ts';
import { activityCsv } from './csv.ts';
import { ActivityCsvAnswer, ActivityFiltersQuery, ActivityPageSchema, ActivitySearchQuery } from './schemas.ts';
import { exportActivity, searchActivity } from './service.ts';

const errors = errorsFor(400, 401, 403, 404);

export function activityRoutes(deps: AppDeps): ModuleRoutes {
  return async function plugin(app) {
    app.get('/api/activity', {
      config: { access: 'activity.read' },
      schema: {
        tags: ['activity'], summary: 'Search internet activity, newest first (every search is recorded in the audit log)',
        querystring: ActivitySearchQuery,
        response: { 200: ActivityPageSchema, ...errors },
      },
    }, async (req) => ({
      ...await searchActivity(serviceContextOf(deps, req), req.query),
      timeZone: deps.config.timeZone,
    }));

    app.get('/api/activity.csv', {
      config: { access: 'activity.read' },
      schema: {
        tags: ['activity'], summary: 'Export the activity matching the filters as CSV (recorded in the audit log)',
        querystring: ActivityFiltersQuery,
        response: { 200: ActivityCsvAnswer, ...errors },
      },
    }, async (req, reply) => {
      const { names, pages } = await exportActivity(serviceContextOf(deps, req), req.query);
      const day = deps.clock.now().toISOString().slice(0, 10);
      reply.header('content-type', 'text/csv; charset=utf-8');
      reply.header('content-disposition', `attachment; filename="osprey-activity-${day}.csv"`);
      reply.header('cache-control', 'no-store');
      return reply.send(Readable.from(activityCsv(pages, names, deps.config.timeZone)));
    });
  };
}
