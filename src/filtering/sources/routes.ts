/** HTTP routes for list sources. Through the web only web addresses can be added; files on the server are added
 * with `osprey lists import`, so that nobody can make the server read an arbitrary path. */
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppDeps } from '../../platform/context.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { actorOf, type ModuleRoutes } from '../../platform/http.ts';
import { IdParams, NoBody, errorsFor } from '../../platform/schemas.ts';
import { ImportResultSchema, ListSourceSchema, NewWebSourceSchema } from './schemas.ts';
import { importListSource, listSources } from './service.ts';

/** The usual error statuses, and 502 when a list's web address cannot be fetched. */
const errors = errorsFor(400, 401, 403, 404, 409, 502);

export function sourceRoutes(deps: AppDeps): ModuleRoutes {
  const sourceDeps = { db: deps.db, clock: deps.clock, dataDir: deps.config.dataDir, listServers: deps.config.listServers };
  const actor = (req: FastifyRequest) => ({ ...actorOf(req), schoolId: req.user!.person.schoolId });
  return async function plugin(app) {
    app.get('/api/filtering/sources', {
      config: { access: 'filtering.read' },
      schema: { tags: ['filtering'], summary: 'Block-list sources with their status and entries per category', response: { 200: Type.Object({ sources: Type.Array(ListSourceSchema) }), ...errors } },
    }, async (req) => ({ sources: await listSources(deps.db, req.user!.person.schoolId) }));

    app.post('/api/filtering/sources', {
      config: { access: 'filtering.manage' },
      schema: {
        tags: ['filtering'], summary: 'Add (or update) a block list fetched from a web address, and import it now',
        body: NewWebSourceSchema,
        response: { 200: ImportResultSchema, ...errors },
      },
    }, async (req) => {
      const b = req.body;
      return importListSource(sourceDeps, actor(req), { name: b.name, location: b.url, format: b.format, category: b.category, refreshHours: b.refreshHours, reason: b.reason });
    });

    app.post('/api/filtering/sources/:id/refresh', {
      config: { access: 'filtering.manage' },
      schema: { tags: ['filtering'], summary: 'Read or fetch a list source again now', params: IdParams, body: NoBody, response: { 200: ImportResultSchema, ...errors } },
    }, async (req) => {
      const source = (await listSources(deps.db, req.user!.person.schoolId)).find((s) => s.id === req.params.id);
      if (!source) throw notFound('That list source');
      if (source.kind !== 'url') throw new AppError(400, 'not_a_web_list', `'${source.name}' is read from a file on the server. Run "osprey lists import ${source.location} --name '${source.name}'" there to update it.`);
      return importListSource(sourceDeps, actor(req), { name: source.name, location: source.location, format: source.format, category: source.category ?? undefined, vendor: source.vendor ?? undefined, refreshHours: source.refreshHours ?? undefined, reason: 'Fetched again on request' });
    });
  };
}
