/** The referral export: GET /api/incidents/:id/export.pdf (record-level access is the core's; every export audited). */
import type { AppDeps } from '../platform/context.ts';
import type { ModuleRoutes } from '../platform/http.ts';
import { errorsFor, FileAnswer, IdParams } from '../platform/schemas.ts';
import { attachmentHeader, recordContextOf } from './evidence-routes.ts';
import type { IncidentRecordAccess } from './evidence-types.ts';
import { exportServiceFor } from './export.ts';

export function exportRoutes(deps: AppDeps, incidents: IncidentRecordAccess): ModuleRoutes {
  const exporter = exportServiceFor({ config: deps.config, incidents });
  return async function plugin(app) {
    app.get('/api/incidents/:id/export.pdf', {
      config: { access: 'incidents.read' },
      schema: {
        tags: ['incidents'], summary: 'One incident as a PDF for a police or LADO referral: full history, steps and evidence hashes',
        params: IdParams,
        response: { 200: FileAnswer('The incident as a PDF (application/pdf), as an attachment named after its reference'), ...errorsFor(401, 403, 404) },
      },
    }, async (req, reply) => {
      const { reference, pdf } = await exporter.exportPdf(recordContextOf(deps, req), req.params.id);
      return reply.header('cache-control', 'no-store').header('content-disposition', attachmentHeader(`${reference}.pdf`, false)).type('application/pdf').send(pdf);
    });
  };
}
