/** Retention routes: a record's schedule, its basis, legal holds, and the list of records due for review (R5.8). */
import type { AppDeps } from '../platform/context.ts';
import type { ModuleRoutes } from '../platform/http.ts';
import { errorResponses as errors, IdParams } from '../platform/schemas.ts';
import { recordContextOf } from './evidence-routes.ts';
import type { IncidentRecordAccess } from './evidence-types.ts';
import { retentionServiceFor } from './retention.ts';
import { LegalHoldBody, RetentionBody, RetentionDueSchema, RetentionRecordSchema, RetentionViewSchema } from './schemas.ts';

export function retentionRoutes(deps: AppDeps, incidents: IncidentRecordAccess): ModuleRoutes {
  const retention = retentionServiceFor({ db: deps.db, config: deps.config, incidents });
  return async function plugin(app) {
    app.get('/api/incidents/retention/due', {
      config: { access: 'incidents.read' },
      schema: { tags: ['incidents'], summary: 'Incident records due for retention review, and those missing a date of birth for their schedule', response: { 200: RetentionDueSchema, ...errors } },
    }, async (req) => retention.due(recordContextOf(deps, req)));

    app.get('/api/incidents/:id/retention', {
      config: { access: 'incidents.read' },
      schema: { tags: ['incidents'], summary: 'How long this record is kept, why, and its legal holds', params: IdParams, response: { 200: RetentionViewSchema, ...errors } },
    }, async (req) => retention.get(recordContextOf(deps, req), req.params.id));

    app.put('/api/incidents/:id/retention', {
      config: { access: 'incidents.manage' },
      schema: {
        tags: ['incidents'], summary: 'Set the retention basis of a record, with the date of birth its schedule needs', params: IdParams,
        body: RetentionBody,
        response: { 200: RetentionRecordSchema, ...errors },
      },
    }, async (req) => retention.setBasis(recordContextOf(deps, req), req.params.id, req.body));

    app.post('/api/incidents/:id/legal-hold', {
      config: { access: 'incidents.manage' },
      schema: {
        tags: ['incidents'], summary: 'Set or release a legal hold on a record (stops retention review), with the reason', params: IdParams,
        body: LegalHoldBody,
        response: { 200: RetentionRecordSchema, ...errors },
      },
    }, async (req) => retention.hold(recordContextOf(deps, req), req.params.id, req.body));
  };
}
