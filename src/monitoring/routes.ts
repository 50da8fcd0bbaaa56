/**
 * HTTP routes for monitoring: the alert inbox (alerts.read; acknowledge and dismiss with alerts.manage) and the
 * phrase lists and alert rules (monitoring.manage). Which alerts a person sees is decided in service.ts.
 */
import { Type } from 'typebox';
import type { AppDeps } from '../platform/context.ts';
import { serviceContextOf, type ModuleRoutes } from '../platform/http.ts';
import { errorResponses as errors, IdParams } from '../platform/schemas.ts';
import {
  AcknowledgeBody, AlertDetailSchema, AlertSchema, AlertsQuery, DigestAnswer, DigestBody, DismissBody, ImportResultSchema, PhraseBody,
  PhraseCategoriesAnswer, PhraseCategoryParams, PhraseImportBody, PhraseSchema, PhraseTestBody, PhraseTestResultSchema, RuleChangeBody, RuleSchema,
} from './schemas.ts';
import {
  acknowledgeAlert, addPhrase, alertRules, changeRule, dismissAlert, importPhrases, listAlerts, phraseCategories, phrasesIn, readAlert,
  removePhrase, setDigestFrequency, testPhrase,
} from './service.ts';

export function monitoringRoutes(deps: AppDeps): ModuleRoutes {
  return async function plugin(app) {
    app.get('/api/alerts', {
      config: { access: 'alerts.read' },
      schema: {
        tags: ['alerts'], summary: 'Alerts routed to your roles, open and most severe first (the read is audited)',
        querystring: AlertsQuery,
        response: { 200: Type.Object({ alerts: Type.Array(AlertSchema) }), ...errors },
      },
    }, async (req) => ({ alerts: await listAlerts(serviceContextOf(deps, req), req.query) }));

    app.get('/api/alerts/:id', {
      config: { access: 'alerts.read' },
      schema: { tags: ['alerts'], summary: 'One alert with its evidence and the person\'s recent activity (the read is audited)', params: IdParams, response: { 200: AlertDetailSchema, ...errors } },
    }, async (req) => readAlert(serviceContextOf(deps, req), req.params.id));

    app.post('/api/alerts/:id/acknowledge', {
      config: { access: 'alerts.manage' },
      schema: {
        tags: ['alerts'], summary: 'Acknowledge an alert: you have seen it and are dealing with it', params: IdParams,
        body: AcknowledgeBody, response: { 200: AlertDetailSchema, ...errors },
      },
    }, async (req) => acknowledgeAlert(serviceContextOf(deps, req), req.params.id, req.body.note));

    app.post('/api/alerts/:id/dismiss', {
      config: { access: 'alerts.manage' },
      schema: {
        tags: ['alerts'], summary: 'Dismiss an alert, saying why (kept with the alert)', params: IdParams,
        body: DismissBody, response: { 200: AlertDetailSchema, ...errors },
      },
    }, async (req) => dismissAlert(serviceContextOf(deps, req), req.params.id, req.body.reason));

    app.get('/api/monitoring/phrases', {
      config: { access: 'monitoring.manage' },
      schema: { tags: ['monitoring'], summary: 'Phrase categories and how many phrases each holds', response: { 200: PhraseCategoriesAnswer, ...errors } },
    }, async (req) => phraseCategories(serviceContextOf(deps, req)));

    app.get('/api/monitoring/phrases/:category', {
      config: { access: 'monitoring.manage' },
      schema: {
        tags: ['monitoring'], summary: 'The phrases in one category',
        params: PhraseCategoryParams, response: { 200: Type.Object({ phrases: Type.Array(PhraseSchema) }), ...errors },
      },
    }, async (req) => ({ phrases: await phrasesIn(serviceContextOf(deps, req), req.params.category) }));

    app.post('/api/monitoring/phrases', {
      config: { access: 'monitoring.manage' },
      schema: {
        tags: ['monitoring'], summary: 'Add a phrase (or change its weight)',
        body: PhraseBody,
        response: { 200: ImportResultSchema, ...errors },
      },
    }, async (req) => addPhrase(serviceContextOf(deps, req), req.body));

    app.delete('/api/monitoring/phrases/item/:id', {
      config: { access: 'monitoring.manage' },
      schema: { tags: ['monitoring'], summary: 'Remove a phrase', params: IdParams, response: { 204: Type.Null({ description: 'Removed; no content' }), ...errors } },
    }, async (req, reply) => {
      await removePhrase(serviceContextOf(deps, req), req.params.id);
      reply.code(204);
      return null;
    });

    app.post('/api/monitoring/phrases/import', {
      config: { access: 'monitoring.manage' },
      bodyLimit: 20 * 1024 * 1024,
      schema: {
        tags: ['monitoring'], summary: 'Import a phrase list (plain or e2guardian format) into a category; bad lines are reported and skipped',
        body: PhraseImportBody,
        response: { 200: ImportResultSchema, ...errors },
      },
    }, async (req) => importPhrases(serviceContextOf(deps, req), req.body));

    app.post('/api/monitoring/test', {
      config: { access: 'monitoring.manage' },
      schema: {
        tags: ['monitoring'], summary: 'Score a piece of text against the school\'s phrase lists, as monitoring would',
        body: PhraseTestBody,
        response: { 200: PhraseTestResultSchema, ...errors },
      },
    }, async (req) => testPhrase(serviceContextOf(deps, req), req.body.text));

    app.put('/api/monitoring/digest', {
      config: { access: 'monitoring.manage' },
      schema: {
        tags: ['monitoring'], summary: 'How often the digest of lower-priority alerts is e-mailed: weekly (default) or daily',
        body: DigestBody,
        response: { 200: DigestAnswer, ...errors },
      },
    }, async (req) => setDigestFrequency(serviceContextOf(deps, req), req.body.frequency));

    app.get('/api/monitoring/rules', {
      config: { access: 'monitoring.manage' },
      schema: { tags: ['monitoring'], summary: 'Alert rules, in the order they are checked', response: { 200: Type.Object({ rules: Type.Array(RuleSchema) }), ...errors } },
    }, async (req) => ({ rules: await alertRules(serviceContextOf(deps, req)) }));

    app.patch('/api/monitoring/rules/:id', {
      config: { access: 'monitoring.manage' },
      schema: {
        tags: ['monitoring'], summary: 'Change an alert rule (severity, order, delivery, who it goes to, thresholds, on/off)', params: IdParams,
        body: RuleChangeBody,
        response: { 200: RuleSchema, ...errors },
      },
    }, async (req) => changeRule(serviceContextOf(deps, req), req.params.id, req.body));
  };
}
