/**
 * HTTP routes for monitoring: the alert inbox (alerts.read; acknowledge and dismiss with alerts.manage) and the
 * phrase lists and alert rules (monitoring.manage). Which alerts a person sees is decided in service.ts.
 */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../platform/context.ts';
import { errorSchema } from '../platform/errors.ts';
import { serviceContextOf } from '../platform/http.ts';
import { PHRASE_CATEGORIES } from './matcher.ts';
import { ROUTABLE_ROLES, SEVERITIES } from './rules.ts';
import {
  acknowledgeAlert, addPhrase, alertRules, changeRule, dismissAlert, importPhrases, listAlerts, phraseCategories, phrasesIn, readAlert,
  removePhrase, setDigestFrequency, testPhrase, type ImportRequest, type RuleChange,
} from './service.ts';

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };
const STATUSES = ['open', 'acknowledged', 'dismissed', 'escalated'] as const;
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } } as const;

export function monitoringRoutes(deps: AppDeps) {
  return async function plugin(app: FastifyInstance) {
    app.get('/api/alerts', {
      config: { access: 'alerts.read' },
      schema: {
        tags: ['alerts'], summary: 'Alerts routed to your roles, open and most severe first (the read is audited)',
        querystring: {
          type: 'object', additionalProperties: false,
          properties: {
            status: { type: 'string', enum: [...STATUSES] }, severity: { type: 'string', enum: [...SEVERITIES] },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 }, offset: { type: 'integer', minimum: 0, default: 0 },
          },
        },
        response: { ...errors },
      },
    }, async (req) => ({ alerts: await listAlerts(serviceContextOf(deps, req), req.query as { status?: string; severity?: string; limit: number; offset: number }) }));

    app.get('/api/alerts/:id', {
      config: { access: 'alerts.read' },
      schema: { tags: ['alerts'], summary: 'One alert with its evidence and the person\'s recent activity (the read is audited)', params: idParams, response: { ...errors } },
    }, async (req) => readAlert(serviceContextOf(deps, req), (req.params as { id: string }).id));

    app.post('/api/alerts/:id/acknowledge', {
      config: { access: 'alerts.manage' },
      schema: {
        tags: ['alerts'], summary: 'Acknowledge an alert: you have seen it and are dealing with it', params: idParams,
        body: { type: 'object', additionalProperties: false, properties: { note: { type: 'string', maxLength: 2000 } } }, response: { ...errors },
      },
    }, async (req) => acknowledgeAlert(serviceContextOf(deps, req), (req.params as { id: string }).id, (req.body as { note?: string } | undefined)?.note));

    app.post('/api/alerts/:id/dismiss', {
      config: { access: 'alerts.manage' },
      schema: {
        tags: ['alerts'], summary: 'Dismiss an alert, saying why (kept with the alert)', params: idParams,
        body: { type: 'object', additionalProperties: false, properties: { reason: { type: 'string', maxLength: 2000 } } }, response: { ...errors },
      },
    }, async (req) => dismissAlert(serviceContextOf(deps, req), (req.params as { id: string }).id, (req.body as { reason?: string } | undefined)?.reason));

    app.get('/api/monitoring/phrases', {
      config: { access: 'monitoring.manage' },
      schema: { tags: ['monitoring'], summary: 'Phrase categories and how many phrases each holds', response: { ...errors } },
    }, async (req) => phraseCategories(serviceContextOf(deps, req)));

    app.get('/api/monitoring/phrases/:category', {
      config: { access: 'monitoring.manage' },
      schema: {
        tags: ['monitoring'], summary: 'The phrases in one category',
        params: { type: 'object', required: ['category'], properties: { category: { type: 'string', enum: [...PHRASE_CATEGORIES] } } }, response: { ...errors },
      },
    }, async (req) => ({ phrases: await phrasesIn(serviceContextOf(deps, req), (req.params as { category: string }).category) }));

    app.post('/api/monitoring/phrases', {
      config: { access: 'monitoring.manage' },
      schema: {
        tags: ['monitoring'], summary: 'Add a phrase (or change its weight)',
        body: {
          type: 'object', additionalProperties: false, required: ['category', 'phrase', 'weight'],
          properties: { category: { type: 'string', enum: [...PHRASE_CATEGORIES] }, phrase: { type: 'string', minLength: 1, maxLength: 400 }, weight: { type: 'integer', minimum: -1000, maximum: 1000 } },
        },
        response: { ...errors },
      },
    }, async (req) => addPhrase(serviceContextOf(deps, req), req.body as { category: string; phrase: string; weight: number }));

    app.delete('/api/monitoring/phrases/item/:id', {
      config: { access: 'monitoring.manage' },
      schema: { tags: ['monitoring'], summary: 'Remove a phrase', params: idParams, response: { ...errors } },
    }, async (req, reply) => {
      await removePhrase(serviceContextOf(deps, req), (req.params as { id: string }).id);
      return reply.code(204).send();
    });

    app.post('/api/monitoring/phrases/import', {
      config: { access: 'monitoring.manage' },
      bodyLimit: 20 * 1024 * 1024,
      schema: {
        tags: ['monitoring'], summary: 'Import a phrase list (plain or e2guardian format) into a category; bad lines are reported and skipped',
        body: {
          type: 'object', additionalProperties: false, required: ['category', 'format', 'content'],
          properties: {
            category: { type: 'string', enum: [...PHRASE_CATEGORIES] }, format: { type: 'string', enum: ['plain', 'e2guardian'] },
            content: { type: 'string', description: 'The file, base64-encoded (so its encoding is kept as it is)', maxLength: 15 * 1024 * 1024 },
            fileName: { type: 'string', maxLength: 200 }, dryRun: { type: 'boolean' }, defaultWeight: { type: 'integer', minimum: -1000, maximum: 1000 },
          },
        },
        response: { ...errors },
      },
    }, async (req) => importPhrases(serviceContextOf(deps, req), req.body as ImportRequest));

    app.post('/api/monitoring/test', {
      config: { access: 'monitoring.manage' },
      schema: {
        tags: ['monitoring'], summary: 'Score a piece of text against the school\'s phrase lists, as monitoring would',
        body: { type: 'object', additionalProperties: false, required: ['text'], properties: { text: { type: 'string', maxLength: 5000 } } },
        response: { ...errors },
      },
    }, async (req) => testPhrase(serviceContextOf(deps, req), (req.body as { text: string }).text));

    app.put('/api/monitoring/digest', {
      config: { access: 'monitoring.manage' },
      schema: {
        tags: ['monitoring'], summary: 'How often the digest of lower-priority alerts is e-mailed: weekly (default) or daily',
        body: { type: 'object', additionalProperties: false, required: ['frequency'], properties: { frequency: { type: 'string', enum: ['daily', 'weekly'] } } },
        response: { ...errors },
      },
    }, async (req) => setDigestFrequency(serviceContextOf(deps, req), (req.body as { frequency: 'daily' | 'weekly' }).frequency));

    app.get('/api/monitoring/rules', {
      config: { access: 'monitoring.manage' },
      schema: { tags: ['monitoring'], summary: 'Alert rules, in the order they are checked', response: { ...errors } },
    }, async (req) => ({ rules: await alertRules(serviceContextOf(deps, req)) }));

    app.patch('/api/monitoring/rules/:id', {
      config: { access: 'monitoring.manage' },
      schema: {
        tags: ['monitoring'], summary: 'Change an alert rule (severity, order, delivery, who it goes to, thresholds, on/off)', params: idParams,
        body: {
          type: 'object', additionalProperties: false, minProperties: 1,
          properties: {
            severity: { type: 'string', enum: [...SEVERITIES] }, priority: { type: 'integer', minimum: 1, maximum: 1000 },
            delivery: { type: 'string', enum: ['immediate', 'digest'] },
            routeRoles: { type: 'array', items: { type: 'string', enum: [...ROUTABLE_ROLES] }, maxItems: 10 },
            minScore: { type: ['integer', 'null'], minimum: -1000, maximum: 10000 }, thresholdCount: { type: ['integer', 'null'], minimum: 1, maximum: 10000 },
            windowMinutes: { type: ['integer', 'null'], minimum: 1, maximum: 10080 }, enabled: { type: 'boolean' },
          },
        },
        response: { ...errors },
      },
    }, async (req) => changeRule(serviceContextOf(deps, req), (req.params as { id: string }).id, req.body as RuleChange));
  };
}
