/**
 * Evidence routes: add a file (the raw bytes as application/octet-stream, details in the query), record a web address,
 * list an incident's evidence with hashes, and open a file. Who may do what on which incident is the core's decision.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps, ServiceContext } from '../platform/context.ts';
import { AppError, errorSchema } from '../platform/errors.ts';
import { actorOf } from '../platform/http.ts';
import { VIEWABLE_TYPES } from './evidence-checks.ts';
import { evidenceServiceFor, oversizedMessage } from './evidence.ts';
import type { IncidentRecordAccess } from './evidence-types.ts';

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 413: errorSchema, 422: errorSchema };
export const evidenceSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' }, incidentId: { type: 'string' }, kind: { type: 'string', enum: ['file', 'url'] }, sha256: { type: 'string' },
    sizeBytes: { type: 'integer' }, mediaType: { type: ['string', 'null'] }, originalName: { type: ['string', 'null'] },
    url: { type: ['string', 'null'] }, note: { type: 'string' }, device: { type: ['string', 'null'] }, uploadedBy: { type: 'string' },
    uploadedAt: { type: 'string' },
  },
} as const;
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } } as const;
const itemParams = {
  type: 'object', required: ['id', 'evidenceId'],
  properties: { id: { type: 'string', format: 'uuid' }, evidenceId: { type: 'string', format: 'uuid' } },
} as const;

export function recordContextOf(deps: AppDeps, req: FastifyRequest): ServiceContext {
  return { db: deps.db, clock: deps.clock, actor: { ...actorOf(req), schoolId: req.user!.person.schoolId } };
}

/** A file name safe for a Content-Disposition header, with the full name in its RFC 5987 form. */
export function attachmentHeader(name: string, inline: boolean): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `${inline ? 'inline' : 'attachment'}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export function evidenceRoutes(deps: AppDeps, incidents: IncidentRecordAccess) {
  const evidence = evidenceServiceFor({ ...deps, incidents });
  const limit = deps.config.maxEvidenceBytes;
  return async function plugin(app: FastifyInstance) {
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
        params: idParams,
        querystring: {
          type: 'object', additionalProperties: false, required: ['name'],
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 255 }, type: { type: 'string', maxLength: 100 },
            note: { type: 'string', maxLength: 2000 }, device: { type: 'string', maxLength: 200 },
          },
        },
        response: { 201: evidenceSchema, ...errors },
      },
    }, async (req, reply) => {
      if (!Buffer.isBuffer(req.body)) throw new AppError(415, 'unsupported_media_type', 'Send the file\'s bytes as application/octet-stream.');
      const q = req.query as { name: string; type?: string; note?: string; device?: string };
      const view = await evidence.addFile(recordContextOf(deps, req), (req.params as { id: string }).id, {
        content: req.body, originalName: q.name, mediaType: q.type, note: q.note, device: q.device,
      });
      return reply.code(201).send(view);
    });

    app.post('/api/incidents/:id/evidence/urls', {
      config: { access: 'incidents.manage' },
      schema: {
        tags: ['incidents'], summary: 'Record a web address as evidence (its hash is the SHA-256 of the address)',
        params: idParams,
        body: {
          type: 'object', additionalProperties: false, required: ['url'],
          properties: { url: { type: 'string', minLength: 1, maxLength: 4000 }, note: { type: 'string', maxLength: 2000 }, device: { type: 'string', maxLength: 200 } },
        },
        response: { 201: evidenceSchema, ...errors },
      },
    }, async (req, reply) => {
      const body = req.body as { url: string; note?: string; device?: string };
      return reply.code(201).send(await evidence.addUrl(recordContextOf(deps, req), (req.params as { id: string }).id, body));
    });

    app.get('/api/incidents/:id/evidence', {
      config: { access: 'incidents.read' },
      schema: {
        tags: ['incidents'], summary: 'The evidence recorded for an incident, with SHA-256 hashes',
        params: idParams,
        response: {
          200: {
            type: 'object',
            properties: {
              evidence: { type: 'array', items: evidenceSchema }, uploadsRefused: { type: ['string', 'null'] },
              maxBytes: { type: 'integer' },
            },
          },
          ...errors,
        },
      },
    }, async (req) => {
      const { evidence: items, uploadsRefused } = await evidence.list(recordContextOf(deps, req), (req.params as { id: string }).id);
      return { evidence: items, uploadsRefused, maxBytes: limit };
    });

    app.get('/api/incidents/:id/evidence/:evidenceId/content', {
      config: { access: 'incidents.read' },
      schema: {
        tags: ['incidents'], summary: 'Open or download one evidence file (every opening is recorded in the audit log)',
        params: itemParams,
        querystring: { type: 'object', additionalProperties: false, properties: { download: { type: 'boolean' } } },
        response: errors,
      },
    }, async (req, reply) => {
      const { id, evidenceId } = req.params as { id: string; evidenceId: string };
      const { view, content } = await evidence.open(recordContextOf(deps, req), id, evidenceId);
      const inline = !(req.query as { download?: boolean }).download && VIEWABLE_TYPES.has(view.mediaType ?? '');
      return reply
        .header('cache-control', 'no-store')
        .header('content-disposition', attachmentHeader(view.originalName ?? 'evidence', inline))
        .header('x-evidence-sha256', view.sha256)
        .type(inline ? view.mediaType! : 'application/octet-stream')
        .send(content);
    });
  };
}
