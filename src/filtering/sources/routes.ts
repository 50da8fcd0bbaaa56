/** HTTP routes for list sources. Through the web only web addresses can be added; files on the server are added
 * with `osprey lists import`, so that nobody can make the server read an arbitrary path. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../platform/context.ts';
import { AppError, errorSchema, notFound } from '../../platform/errors.ts';
import { actorOf } from '../../platform/http.ts';
import { importListSource, listSources } from './service.ts';

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 502: errorSchema };
const problem = { type: 'object', properties: { file: { type: 'string' }, line: { type: 'integer' }, reason: { type: 'string' } } } as const;
const counts = { type: 'object', additionalProperties: { type: 'integer' } } as const;
const sourceSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' }, name: { type: 'string' }, location: { type: 'string' }, kind: { type: 'string' }, format: { type: 'string' },
    vendor: { type: ['string', 'null'] }, category: { type: ['string', 'null'] }, refreshHours: { type: ['integer', 'null'] }, enabled: { type: 'boolean' },
    status: { type: 'string' }, lastError: { type: ['string', 'null'] }, lastCheckedAt: { type: ['string', 'null'] }, lastUpdatedAt: { type: ['string', 'null'] },
    entries: counts, problems: { type: 'array', items: problem }, problemsCount: { type: 'integer' },
  },
} as const;
const resultSchema = { type: 'object', properties: { sourceId: { type: 'string' }, changed: { type: 'boolean' }, entries: counts, problems: { type: 'array', items: problem }, problemsCount: { type: 'integer' } } } as const;

export function sourceRoutes(deps: AppDeps) {
  const sourceDeps = { db: deps.db, clock: deps.clock, dataDir: deps.config.dataDir, listServers: deps.config.listServers };
  const actor = (req: FastifyRequest) => ({ ...actorOf(req), schoolId: req.user!.person.schoolId });
  return async function plugin(app: FastifyInstance) {
    app.get('/api/filtering/sources', {
      config: { access: 'filtering.read' },
      schema: { tags: ['filtering'], summary: 'Block-list sources with their status and entries per category', response: { 200: { type: 'object', properties: { sources: { type: 'array', items: sourceSchema } } }, ...errors } },
    }, async (req) => ({ sources: await listSources(deps.db, req.user!.person.schoolId) }));

    app.post('/api/filtering/sources', {
      config: { access: 'filtering.manage' },
      schema: {
        tags: ['filtering'], summary: 'Add (or update) a block list fetched from a web address, and import it now',
        body: {
          type: 'object', additionalProperties: false, required: ['name', 'url', 'reason'],
          properties: {
            name: { type: 'string', maxLength: 64 }, url: { type: 'string', pattern: '^https?://', maxLength: 2000 },
            format: { type: 'string', enum: ['auto', 'hosts', 'domains', 'adblock'] }, category: { type: 'string', maxLength: 64 },
            refreshHours: { type: 'integer', minimum: 1, maximum: 744 }, reason: { type: 'string', minLength: 5, maxLength: 1000 },
          },
        },
        response: { 200: resultSchema, ...errors },
      },
    }, async (req) => {
      const b = req.body as { name: string; url: string; format?: string; category?: string; refreshHours?: number; reason: string };
      return importListSource(sourceDeps, actor(req), { name: b.name, location: b.url, format: b.format, category: b.category, refreshHours: b.refreshHours, reason: b.reason });
    });

    app.post('/api/filtering/sources/:id/refresh', {
      config: { access: 'filtering.manage' },
      schema: { tags: ['filtering'], summary: 'Read or fetch a list source again now', params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } } }, response: { 200: resultSchema, ...errors } },
    }, async (req) => {
      const source = (await listSources(deps.db, req.user!.person.schoolId)).find((s) => s.id === (req.params as { id: string }).id);
      if (!source) throw notFound('That list source');
      if (source.kind !== 'url') throw new AppError(400, 'not_a_web_list', `'${source.name}' is read from a file on the server. Run "osprey lists import ${source.location} --name '${source.name}'" there to update it.`);
      return importListSource(sourceDeps, actor(req), { name: source.name, location: source.location, format: source.format, category: source.category ?? undefined, vendor: source.vendor ?? undefined, refreshHours: source.refreshHours ?? undefined, reason: 'Fetched again on request' });
    });
  };
}
