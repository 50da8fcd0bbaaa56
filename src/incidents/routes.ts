/**
 * Incident routes. Most are `signed_in`: who may see or change a record is decided record by record in the service
 * (R5.6), so a refused attempt reaches the service and is audited there. The sanctions matrix needs its permission.
 */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../platform/context.ts';
import { errorSchema } from '../platform/errors.ts';
import { serviceContextOf } from '../platform/http.ts';
import { INCIDENT_CATEGORIES } from './categories.ts';
import { personChronology } from './chronology.ts';
import { getMatrix, setMatrix, suggestSanctions } from './sanctions.ts';
import { SANCTION_RESPONSES, type Audience, type SanctionRow } from './sanctions-defaults.ts';
import * as service from './service.ts';
import { actOnStep, answerTriage, suggestedAnswers, triageDefinition, type StepAction } from './triage-service.ts';

const uuid = { type: 'string', format: 'uuid' } as const;
const idParams = { type: 'object', required: ['id'], properties: { id: uuid } } as const;
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 405: errorSchema, 409: errorSchema };
const anyObject = { type: 'object', additionalProperties: true } as const;
const text = (max: number) => ({ type: 'string', maxLength: max }) as const;

const personInvolved = {
  type: 'object', additionalProperties: false, required: ['kind', 'part'],
  properties: {
    personId: { anyOf: [uuid, { type: 'null' }] }, name: text(200),
    kind: { type: 'string', enum: ['pupil', 'staff', 'parent', 'other'] }, part: { type: 'string', enum: ['victim', 'instigator', 'witness'] },
  },
} as const;

const fields = {
  occurredAt: { type: 'string', minLength: 1, maxLength: 40 },
  description: text(20000),
  category: text(60),
  actionTaken: text(5000), actionBy: text(200), reportedBy: text(200),
  location: { type: 'string', enum: ['in_school', 'out_of_school', 'unknown'] },
  devices: { type: 'array', items: text(200), maxItems: 50 },
  urls: { type: 'array', items: text(2000), maxItems: 100 },
  outcome: text(10000),
  classification: { type: 'string', enum: ['restricted', 'general'] },
  people: { type: 'array', items: personInvolved, maxItems: 50 },
} as const;

const reportBody = {
  type: 'object', additionalProperties: false, required: ['occurredAt', 'description', 'category'],
  properties: { ...fields, anonymous: { type: 'boolean' } },
} as const;

const amendBody = {
  type: 'object', additionalProperties: false, required: ['occurredAt', 'description', 'category', 'reason'],
  properties: { ...fields, reason: { type: 'string', minLength: 1, maxLength: 1000 } },
} as const;

const sanctionRow = {
  type: 'object', additionalProperties: false, required: ['label', 'responses'],
  properties: {
    key: text(60), label: { type: 'string', minLength: 1, maxLength: 300 },
    responses: { type: 'object', additionalProperties: { type: 'string', enum: ['always', 'repeat'] } },
  },
} as const;

export function incidentRoutes(deps: AppDeps) {
  return async function plugin(app: FastifyInstance) {
    const tags = ['incidents'];

    app.get('/api/incidents/reference', {
      config: { access: 'signed_in' },
      schema: { tags, summary: 'Kinds of incident, triage questions and sanctions responses, for the forms', response: { 200: anyObject, ...errors } },
    }, async () => ({
      categories: INCIDENT_CATEGORIES, triage: triageDefinition(), statuses: service.STATUS_LABELS, sanctionResponses: SANCTION_RESPONSES,
    }));

    app.get('/api/incidents', {
      config: { access: 'signed_in' },
      schema: {
        tags, summary: 'The incidents you may see (restricted ones only for the safeguarding team and people they grant); every listing is audited',
        querystring: { type: 'object', additionalProperties: false, properties: { status: { type: 'string', enum: ['open', 'investigating', 'closed'] } } },
        response: { 200: { type: 'object', properties: { incidents: { type: 'array', items: anyObject } } }, ...errors },
      },
    }, async (req) => ({ incidents: await service.listIncidents(serviceContextOf(deps, req), req.query as { status?: 'open' }) }));

    app.post('/api/incidents', {
      config: { access: 'signed_in' },
      schema: { tags, summary: 'Report a concern (staff, pupils — anonymously if they wish — and parents)', body: reportBody, response: { 201: { type: 'object', properties: { id: { type: 'string' }, reference: { type: 'string' } } }, ...errors } },
    }, async (req, reply) => reply.code(201).send(await service.reportIncident(serviceContextOf(deps, req), req.body as service.ReportInput)));

    app.get('/api/incidents/mine', {
      config: { access: 'signed_in' },
      schema: { tags, summary: 'The concerns you reported, with where they have got to', response: { 200: { type: 'object', properties: { reports: { type: 'array', items: anyObject } } }, ...errors } },
    }, async (req) => ({ reports: await service.myReports(serviceContextOf(deps, req)) }));

    app.get('/api/incidents/:id', {
      config: { access: 'signed_in' },
      schema: { tags, summary: 'One incident: the record, its versions, history, checklist and grants (audited)', params: idParams, response: { 200: anyObject, ...errors } },
    }, async (req) => {
      const ctx = serviceContextOf(deps, req);
      const view = await service.getIncident(ctx, (req.params as { id: string }).id);
      if (view.view !== 'full') return view;
      return { ...view, suggestedTriage: suggestedAnswers({ category: view.current.category, people: view.current.people }) };
    });

    app.put('/api/incidents/:id', {
      config: { access: 'signed_in' },
      schema: { tags, summary: 'Correct or add to the record (a new version; the earlier ones are kept)', params: idParams, body: amendBody, response: { 200: anyObject, ...errors } },
    }, async (req) => {
      const { reason, ...rest } = req.body as service.IncidentFields & { reason: string };
      return service.amendIncident(serviceContextOf(deps, req), (req.params as { id: string }).id, rest, reason);
    });

    app.delete('/api/incidents/:id', {
      config: { access: 'signed_in' },
      schema: { tags, summary: 'Always refused: incidents are never deleted (the attempt is audited)', params: idParams, response: errors },
    }, async (req) => service.deleteIncident(serviceContextOf(deps, req), (req.params as { id: string }).id));

    app.put('/api/incidents/:id/status', {
      config: { access: 'signed_in' },
      schema: {
        tags, summary: 'Start the investigation or close the incident', params: idParams,
        body: { type: 'object', additionalProperties: false, required: ['status'], properties: { status: { type: 'string', enum: ['open', 'investigating', 'closed'] }, outcome: text(10000), note: text(1000) } },
        response: { 200: anyObject, ...errors },
      },
    }, async (req) => service.setStatus(serviceContextOf(deps, req), (req.params as { id: string }).id, req.body as { status: 'open' }));

    app.put('/api/incidents/:id/investigation', {
      config: { access: 'signed_in' },
      schema: {
        tags, summary: 'Assign the senior staff investigating and record the investigation computer', params: idParams,
        body: { type: 'object', additionalProperties: false, required: ['investigatorIds', 'investigationDevice'], properties: { investigatorIds: { type: 'array', items: uuid, maxItems: 10 }, investigationDevice: text(200) } },
        response: { 200: anyObject, ...errors },
      },
    }, async (req) => service.setInvestigation(serviceContextOf(deps, req), (req.params as { id: string }).id, req.body as { investigatorIds: string[]; investigationDevice: string }));

    app.put('/api/incidents/:id/triage', {
      config: { access: 'signed_in' },
      schema: {
        tags, summary: 'Answer the triage questions; the checklist follows the flowchart', params: idParams,
        body: { type: 'object', additionalProperties: false, required: ['answers'], properties: { answers: { type: 'object', additionalProperties: text(40) }, sanctionType: { anyOf: [text(60), { type: 'null' }] } } },
        response: { 200: anyObject, ...errors },
      },
    }, async (req) => answerTriage(serviceContextOf(deps, req), (req.params as { id: string }).id, req.body as { answers: Record<string, string> }));

    app.post('/api/incidents/:id/steps/:key', {
      config: { access: 'signed_in' },
      schema: {
        tags, summary: 'Tick a checklist step (who and when are recorded), skip it with a reason, or reopen it',
        params: { type: 'object', required: ['id', 'key'], properties: { id: uuid, key: { type: 'string', maxLength: 60 } } },
        body: { type: 'object', additionalProperties: false, required: ['action'], properties: { action: { type: 'string', enum: ['complete', 'skip', 'reopen'] }, note: text(2000), personIds: { type: 'array', items: uuid, maxItems: 20 } } },
        response: { 200: anyObject, ...errors },
      },
    }, async (req) => {
      const p = req.params as { id: string; key: string };
      return actOnStep(serviceContextOf(deps, req), p.id, p.key, req.body as { action: StepAction });
    });

    app.get('/api/incidents/:id/sanctions', {
      config: { access: 'signed_in' },
      schema: { tags, summary: 'Suggested responses from the sanctions matrix for each instigator, escalated on a repeat', params: idParams, response: { 200: { type: 'object', properties: { suggestions: { type: 'array', items: anyObject } } }, ...errors } },
    }, async (req) => ({ suggestions: await suggestSanctions(serviceContextOf(deps, req), (req.params as { id: string }).id) }));

    app.post('/api/incidents/:id/grants', {
      config: { access: 'signed_in' },
      schema: {
        tags, summary: 'Let a named person see a restricted incident (DSL and deputies; audited)', params: idParams,
        body: { type: 'object', additionalProperties: false, required: ['personId', 'reason'], properties: { personId: uuid, reason: text(500) } },
        response: { 200: anyObject, ...errors },
      },
    }, async (req) => {
      const b = req.body as { personId: string; reason: string };
      return service.grantAccess(serviceContextOf(deps, req), (req.params as { id: string }).id, b.personId, b.reason);
    });

    app.delete('/api/incidents/:id/grants/:personId', {
      config: { access: 'signed_in' },
      schema: { tags, summary: 'Take away a person\'s access to a restricted incident (audited)', params: { type: 'object', required: ['id', 'personId'], properties: { id: uuid, personId: uuid } }, response: { 200: anyObject, ...errors } },
    }, async (req) => {
      const p = req.params as { id: string; personId: string };
      return service.revokeAccess(serviceContextOf(deps, req), p.id, p.personId);
    });

    app.get('/api/people/:id/incidents', {
      config: { access: 'incidents.read' },
      schema: { tags, summary: 'A person\'s chronology: the incidents they were involved in that you may see (audited)', params: idParams, response: { 200: { type: 'object', properties: { entries: { type: 'array', items: anyObject } } }, ...errors } },
    }, async (req) => ({ entries: await service.incidentsForPerson(serviceContextOf(deps, req), (req.params as { id: string }).id) }));

    app.get('/api/people/:id/chronology', {
      config: { access: 'incidents.read' },
      schema: { tags, summary: 'A person\'s chronology: incidents you may see and monitoring alerts sent to you, oldest first (audited)', params: idParams, response: { 200: { type: 'object', properties: { entries: { type: 'array', items: anyObject } } }, ...errors } },
    }, async (req) => ({ entries: await personChronology(serviceContextOf(deps, req), (req.params as { id: string }).id) }));

    const audienceParams = { type: 'object', required: ['audience'], properties: { audience: { type: 'string', enum: ['pupil', 'staff'] } } } as const;
    app.get('/api/sanctions/:audience', {
      config: { access: 'incidents.read' },
      schema: { tags, summary: 'The school\'s sanctions matrix for pupils or staff', params: audienceParams, response: { 200: anyObject, ...errors } },
    }, async (req) => getMatrix(serviceContextOf(deps, req), (req.params as { audience: Audience }).audience));

    app.put('/api/sanctions/:audience', {
      config: { access: 'sanctions.manage' },
      schema: {
        tags, summary: 'Change the school\'s sanctions matrix (or put Osprey\'s defaults back with reset)', params: audienceParams,
        body: { type: 'object', additionalProperties: false, properties: { rows: { type: 'array', items: sanctionRow, minItems: 1, maxItems: 100 }, reset: { type: 'boolean', const: true } } },
        response: { 200: anyObject, ...errors },
      },
    }, async (req) => {
      const b = req.body as { rows?: SanctionRow[]; reset?: true };
      return setMatrix(serviceContextOf(deps, req), (req.params as { audience: Audience }).audience, b.reset ? { reset: true } : { rows: b.rows ?? [] });
    });
  };
}
