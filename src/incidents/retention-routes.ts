/** Retention routes: a record's schedule, its basis, legal holds, and the list of records due for review (R5.8). */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../platform/context.ts';
import { errorSchema } from '../platform/errors.ts';
import { recordContextOf } from './evidence-routes.ts';
import type { IncidentRecordAccess } from './evidence-types.ts';
import { retentionServiceFor, type RetentionBasis } from './retention.ts';

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } } as const;
const BASES = ['child_protection', 'staff_allegation', 'general'];

export function retentionRoutes(deps: AppDeps, incidents: IncidentRecordAccess) {
  const retention = retentionServiceFor({ db: deps.db, config: deps.config, incidents });
  return async function plugin(app: FastifyInstance) {
    app.get('/api/incidents/retention/due', {
      config: { access: 'incidents.read' },
      schema: { tags: ['incidents'], summary: 'Incident records due for retention review, and those missing a date of birth for their schedule', response: errors },
    }, async (req) => retention.due(recordContextOf(deps, req)));

    app.get('/api/incidents/:id/retention', {
      config: { access: 'incidents.read' },
      schema: { tags: ['incidents'], summary: 'How long this record is kept, why, and its legal holds', params: idParams, response: errors },
    }, async (req) => retention.get(recordContextOf(deps, req), (req.params as { id: string }).id));

    app.put('/api/incidents/:id/retention', {
      config: { access: 'incidents.manage' },
      schema: {
        tags: ['incidents'], summary: 'Set the retention basis of a record, with the date of birth its schedule needs', params: idParams,
        body: {
          type: 'object', additionalProperties: false, required: ['basis'],
          properties: { basis: { type: 'string', enum: BASES }, dateOfBirth: { type: ['string', 'null'], maxLength: 10 }, reason: { type: 'string', maxLength: 1000 } },
        },
        response: errors,
      },
    }, async (req) => {
      const body = req.body as { basis: RetentionBasis; dateOfBirth?: string | null; reason?: string };
      return retention.setBasis(recordContextOf(deps, req), (req.params as { id: string }).id, body);
    });

    app.post('/api/incidents/:id/legal-hold', {
      config: { access: 'incidents.manage' },
      schema: {
        tags: ['incidents'], summary: 'Set or release a legal hold on a record (stops retention review), with the reason', params: idParams,
        body: {
          type: 'object', additionalProperties: false, required: ['action', 'reason'],
          properties: { action: { type: 'string', enum: ['set', 'release'] }, reason: { type: 'string', maxLength: 1000 } },
        },
        response: errors,
      },
    }, async (req) => retention.hold(recordContextOf(deps, req), (req.params as { id: string }).id, req.body as { action: 'set' | 'release'; reason: string }));
  };
}
