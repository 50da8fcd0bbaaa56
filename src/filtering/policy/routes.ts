/** HTTP routes for filtering policies, the category taxonomy and the filter change log. */
import { Type } from 'typebox';
import type { AppDeps } from '../../platform/context.ts';
import { errorResponses as errors } from '../../platform/errors.ts';
import { serviceContextOf, type ModuleRoutes } from '../../platform/http.ts';
import { CATEGORIES } from '../lists/taxonomy.ts';
import { CategorySchema, ChangesQuery, FilterChangeSchema, PolicyIdParams, PolicySchema, PolicyUpdateSchema } from './schemas.ts';
import * as service from './service.ts';

export function policyRoutes(deps: AppDeps): ModuleRoutes {
  return async function plugin(app) {
    app.get('/api/filtering/categories', {
      config: { access: 'filtering.read' },
      schema: {
        tags: ['filtering'], summary: 'The categories Osprey filters by, with plain descriptions',
        response: { 200: Type.Object({ categories: Type.Array(CategorySchema) }), ...errors },
      },
    }, async () => ({ categories: [...CATEGORIES] }));

    app.get('/api/filtering/policies', {
      config: { access: 'filtering.read' },
      schema: { tags: ['filtering'], summary: 'Filtering policies, highest priority first', response: { 200: Type.Object({ policies: Type.Array(PolicySchema) }), ...errors } },
    }, async (req) => ({ policies: await service.listPolicies(serviceContextOf(deps, req)) }));

    app.get('/api/filtering/policies/:id', {
      config: { access: 'filtering.read' },
      schema: { tags: ['filtering'], summary: 'One filtering policy', params: PolicyIdParams, response: { 200: PolicySchema, ...errors } },
    }, async (req) => service.getPolicy(serviceContextOf(deps, req), req.params.id));

    app.put('/api/filtering/policies/:id', {
      config: { access: 'filtering.manage' },
      schema: {
        tags: ['filtering'], summary: 'Change a policy; the reason and the before/after go into the filter change log',
        params: PolicyIdParams,
        body: PolicyUpdateSchema,
        response: { 200: PolicySchema, ...errors },
      },
    }, async (req) => service.updatePolicy(serviceContextOf(deps, req), req.params.id, req.body));

    app.get('/api/filtering/changes', {
      config: { access: 'filtering.read' },
      schema: {
        tags: ['filtering'], summary: 'The filter change log (R3.2), newest first',
        querystring: ChangesQuery,
        response: { 200: Type.Object({ changes: Type.Array(FilterChangeSchema) }), ...errors },
      },
    }, async (req) => ({ changes: await service.listChanges(serviceContextOf(deps, req), req.query) }));
  };
}
