/**
 * Evidence routes: add a file (the raw bytes as application/octet-stream, details in the query), record a web address,
 * list an incident's evidence with hashes, and open a file. Who may do what on which incident is the core's decision.
 */
import type { FastifyRequest } from 'fastify';
import type { AppDeps, ServiceContext } from '../platform/context.ts';
import { AppError } from '../platform/errors.ts';
import { actorOf, type ModuleRoutes } from '../platform/http.ts';
import { errorsFor, FileAnswer, IdParams } from '../platform/schemas.ts';
import { VIEWABLE_TYPES } from './evidence-checks.ts';
import { evidenceServiceFor, oversizedMessage } from './evidence.ts';
import type { IncidentRecordAccess } from './evidence-types.ts';
import { EvidenceContentQuery, EvidenceFileBody, EvidenceFileQuery, EvidenceItemParams, EvidenceListSchema, EvidenceSchema, EvidenceUrlBody } from './schemas.ts';

const errors = errorsFor(400, 401, 403, 404, 409, 413, 422);

export function recordContextOf(deps: AppDeps, req: FastifyRequest): ServiceContext {
  return { db: deps.db, clock: deps.clock, actor: { ...actorOf(req), schoolId: req.user!.person.schoolId } };
}

/** A file name safe for a Content-Disposition header, with the full name in its RFC 5987 form. */
export function attachmentHeader(name: string, inline: boolean): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `${inline ? 'inline' : 'attachment'}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export function evidenceRoutes(deps: AppDeps, incidents: IncidentRecordAccess): ModuleRoutes {
  const evidence = evidenceServiceFor({ ...deps, incidents });
  const limit = deps.config.maxEvidenceBytes;
  return async function plugin(app) {
    // Only these routes take raw bytes; the rest of the API stays JSON-only. Every change still needs the CSRF header.
    app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: limit }, (_req, body, done) => done(null, body));
    app.setErrorHandler((err: Error & { code?: string }, _req, reply) => {
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        return reply.code(413).send({ error: { code: 'evidence_too_large', message: oversizedMessage(limit) } });
      }
      if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
        return reply.code(415).send({ error: { code: 'unsupported_media_type', message: 'Send the file\'s bytes as application/octet-stream, or a web address as JSON.' } });
      }
      throw err;
    });

    app.post('/api/incidents/:id/evidence/files', {
      config: { access: 'incidents.manage' },
      bodyLimit: limit,
      schema: {
        tags: ['incidents'], summary: 'Add a file (a screenshot or document) to an incident as evidence; send the bytes as application/octet-stream',
        consumes: ['application/octet-stream'],
        params: IdParams,
        querystring: EvidenceFileQuery,
        body: EvidenceFileBody,
        response: { 201: EvidenceSchema, ...errors },
      },
    }, async (req, reply) => {
      if (!Buffer.isBuffer(req.body)) throw new AppError(415, 'unsupported_media_type', 'Send the file\'s bytes as application/octet-stream.');
      const q = req.query;
      const view = await evidence.addFile(recordContextOf(deps, req), req.params.id, {
        content: req.body, originalName: q.name, mediaType: q.type, note: q.note, device: q.device,
      });
      return reply.code(201).send(view);
    });

    app.post('/api/incidents/:id/evidence/urls', {
      config: { access: 'incidents.manage' },
      schema: {
        tags: ['incidents'], summary: 'Record a web address as evidence (its hash is the SHA-256 of the address)',
        params: IdParams,
        body: EvidenceUrlBody,
        response: { 201: EvidenceSchema, ...errors },
      },
    }, async (req, reply) => reply.code(201).send(await evidence.addUrl(recordContextOf(deps, req), req.params.id, req.body)));

    app.get('/api/incidents/:id/evidence', {
      config: { access: 'incidents.read' },
      schema: {
        tags: ['incidents'], summary: 'The evidence recorded for an incident, with SHA-256 hashes',
        params: IdParams,
        response: { 200: EvidenceListSchema, ...errors },
      },
    }, async (req) => {
      const { evidence: items, uploadsRefused } = await evidence.list(recordContextOf(deps, req), req.params.id);
      return { evidence: items, uploadsRefused, maxBytes: limit };
    });

    app.get('/api/incidents/:id/evidence/:evidenceId/content', {
      config: { access: 'incidents.read' },
      schema: {
        tags: ['incidents'], summary: 'Open or download one evidence file (every opening is recorded in the audit log)',
        params: EvidenceItemParams,
        querystring: EvidenceContentQuery,
        response: { 200: FileAnswer('The evidence file as it was added: shown in the browser when it is a picture, a PDF or plain text, otherwise (or with download=true) as an attachment'), ...errors },
      },
    }, async (req, reply) => {
      const { id, evidenceId } = req.params;
      const { view, content } = await evidence.open(recordContextOf(deps, req), id, evidenceId);
      const inline = !req.query.download && VIEWABLE_TYPES.has(view.mediaType ?? '');
      return reply
        .header('cache-control', 'no-store')
        .header('content-disposition', attachmentHeader(view.originalName ?? 'evidence', inline))
        .header('x-evidence-sha256', view.sha256)
        .type(inline ? view.mediaType! : 'application/octet-stream')
        .send(content);
    });
  };
}
