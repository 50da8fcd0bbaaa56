/** The referral export: GET /api/incidents/:id/export.pdf (record-level access is the core's; every export audited). */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../platform/context.ts';
import { errorSchema } from '../platform/errors.ts';
import { attachmentHeader, recordContextOf } from './evidence-routes.ts';
import type { IncidentRecordAccess } from './evidence-types.ts';
import { exportServiceFor } from './export.ts';

export function exportRoutes(deps: AppDeps, incidents: IncidentRecordAccess) {
  const exporter = exportServiceFor({ config: deps.config, incidents });
  return async function plugin(app: FastifyInstance) {
    app.get('/api/incidents/:id/export.pdf', {
      config: { access: 'incidents.read' },
      schema: {
        tags: ['incidents'], summary: 'One incident as a PDF for a police or LADO referral: full history, steps and evidence hashes',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } },
        response: { 401: errorSchema, 403: errorSchema, 404: errorSchema },
      },
    }, async (req, reply) => {
      const { reference, pdf } = await exporter.exportPdf(recordContextOf(deps, req), (req.params as { id: string }).id);
      return reply.header('cache-control', 'no-store').header('content-disposition', attachmentHeader(`${reference}.pdf`, false)).type('application/pdf').send(pdf);
    });
  };
}
