/** HTTP routes for filtering policies, the category taxonomy and the filter change log. */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../platform/context.ts';
import { errorSchema } from '../../platform/errors.ts';
import { serviceContextOf } from '../../platform/http.ts';
import { CATEGORIES } from '../lists/taxonomy.ts';
import * as service from './service.ts';
import type { PolicyDocument } from './validate.ts';

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };
const action = { type: 'string', enum: ['allow', 'block', 'warn', 'monitor'] } as const;
const actions = { type: 'object', additionalProperties: action } as const;
const localEntry = {
  type: 'object', additionalProperties: false, required: ['id', 'kind', 'value'],
  properties: { id: { type: 'string', maxLength: 64 }, kind: { type: 'string', enum: ['domain', 'url', 'regex'] }, value: { type: 'string', minLength: 1, maxLength: 2000 }, note: { type: 'string', maxLength: 500 } },
} as const;
const schedule = {
  type: 'object', additionalProperties: false, required: ['id', 'name', 'days', 'start', 'end', 'categoryActions'],
  properties: {
    id: { type: 'string', maxLength: 64 }, name: { type: 'string', maxLength: 100 },
    days: { type: 'array', items: { type: 'integer', minimum: 0, maximum: 6 }, maxItems: 7 },
    start: { type: 'string', maxLength: 5 }, end: { type: 'string', maxLength: 5 }, categoryActions: actions,
  },
} as const;
const documentProperties = {
  name: { type: 'string', minLength: 1, maxLength: 100 }, description: { type: 'string', maxLength: 1000 },
  priority: { type: 'integer', minimum: 0, maximum: 1000 }, defaultAction: action, safeSearch: { type: 'boolean' },
  categoryActions: actions, schedules: { type: 'array', items: schedule, maxItems: 50 },
  localBlock: { type: 'array', items: localEntry, maxItems: 5000 }, localAllow: { type: 'array', items: localEntry, maxItems: 5000 },
  targets: { type: 'array', items: { type: 'string', maxLength: 64 }, maxItems: 500 },
} as const;
const policySchema = {
  type: 'object',
  properties: { id: { type: 'string' }, key: { type: 'string' }, unidentified: { type: 'boolean' }, version: { type: 'integer' }, updatedAt: { type: 'string' }, ...documentProperties },
} as const;

export function policyRoutes(deps: AppDeps) {
  return async function plugin(app: FastifyInstance) {
    app.get('/api/filtering/categories', {
      config: { access: 'filtering.read' },
      schema: {
        tags: ['filtering'], summary: 'The categories Osprey filters by, with plain descriptions',
        response: { 200: { type: 'object', properties: { categories: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, description: { type: 'string' }, group: { type: 'string' }, illegal: { type: 'boolean' }, circumvention: { type: 'boolean' } } } } } }, ...errors },
      },
    }, async () => ({ categories: CATEGORIES }));

    app.get('/api/filtering/policies', {
      config: { access: 'filtering.read' },
      schema: { tags: ['filtering'], summary: 'Filtering policies, highest priority first', response: { 200: { type: 'object', properties: { policies: { type: 'array', items: policySchema } } }, ...errors } },
    }, async (req) => ({ policies: await service.listPolicies(serviceContextOf(deps, req)) }));

    app.get('/api/filtering/policies/:id', {
      config: { access: 'filtering.read' },
      schema: { tags: ['filtering'], summary: 'One filtering policy', params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } } }, response: { 200: policySchema, ...errors } },
    }, async (req) => service.getPolicy(serviceContextOf(deps, req), (req.params as { id: string }).id));

    app.put('/api/filtering/policies/:id', {
      config: { access: 'filtering.manage' },
      schema: {
        tags: ['filtering'], summary: 'Change a policy; the reason and the before/after go into the filter change log',
        params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } } },
        body: {
          type: 'object', additionalProperties: false, required: ['document', 'reason', 'expectedVersion'],
          properties: {
            document: { type: 'object', additionalProperties: false, required: Object.keys(documentProperties), properties: documentProperties },
            reason: { type: 'string', maxLength: 1000 }, expectedVersion: { type: 'integer', minimum: 1 },
          },
        },
        response: { 200: policySchema, ...errors },
      },
    }, async (req) => {
      const body = req.body as { document: PolicyDocument; reason: string; expectedVersion: number };
      return service.updatePolicy(serviceContextOf(deps, req), (req.params as { id: string }).id, body);
    });

    app.get('/api/filtering/changes', {
      config: { access: 'filtering.read' },
      schema: {
        tags: ['filtering'], summary: 'The filter change log (R3.2), newest first',
        querystring: { type: 'object', additionalProperties: false, properties: { entityId: { type: 'string', maxLength: 64 }, before: { type: 'integer', minimum: 1 }, limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 } } },
        response: {
          200: {
            type: 'object',
            properties: {
              changes: {
                type: 'array',
                items: { type: 'object', properties: { seq: { type: 'integer' }, at: { type: 'string' }, actorLabel: { type: 'string' }, entityType: { type: 'string' }, entityId: { type: 'string' }, action: { type: 'string' }, reason: { type: 'string' }, before: {}, after: {}, approvedBy: { type: ['string', 'null'] } } },
              },
            },
          },
          ...errors,
        },
      },
    }, async (req) => ({ changes: await service.listChanges(serviceContextOf(deps, req), req.query as { entityId?: string; before?: number; limit: number }) }));
  };
}
