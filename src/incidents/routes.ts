/**
 * Incident routes. Most are `signed_in`: who may see or change a record is decided record by record in the service
 * (R5.6), so a refused attempt reaches the service and is audited there. The sanctions matrix needs its permission.
 */
import { Type } from 'typebox';
import type { AppDeps } from '../platform/context.ts';
import { serviceContextOf, type ModuleRoutes } from '../platform/http.ts';
import { errorsFor, IdParams, OkAnswer } from '../platform/schemas.ts';
import { INCIDENT_CATEGORIES } from './categories.ts';
import { personChronology } from './chronology.ts';
import { getMatrix, setMatrix, suggestSanctions } from './sanctions.ts';
import { SANCTION_RESPONSES } from './sanctions-defaults.ts';
import {
  AmendBody, AudienceParams, ChronologyEntrySchema, GrantBody, GrantParams, IncidentAnswerSchema, IncidentChronologyEntrySchema, IncidentListQuery,
  IncidentStepParams, IncidentSummarySchema, InvestigationBody, MatrixSchema, MyReportSchema, ReferenceSchema, ReportBody, ReportedSchema, SanctionsBody,
  StatusAnswer, StatusBody, StepAnswer, StepBody, SuggestionSchema, TriageAnswer, TriageBody, VersionAnswer,
} from './schemas.ts';
import * as service from './service.ts';
import { actOnStep, answerTriage, suggestedAnswers, triageDefinition } from './triage-service.ts';

const errors = errorsFor(400, 401, 403, 404, 405, 409);

export function incidentRoutes(deps: AppDeps): ModuleRoutes {
  return async function plugin(app) {
    const tags = ['incidents'];

    app.get('/api/incidents/reference', {
      config: { access: 'signed_in' },
      schema: { tags, summary: 'Kinds of incident, triage questions and sanctions responses, for the forms', response: { 200: ReferenceSchema, ...errors } },
    }, async () => {
      const triage = triageDefinition();
      return {
        categories: [...INCIDENT_CATEGORIES], triage: { questions: [...triage.questions], branches: triage.branches }, statuses: service.STATUS_LABELS,
        sanctionResponses: { pupil: [...SANCTION_RESPONSES.pupil], staff: [...SANCTION_RESPONSES.staff] },
      };
    });

    app.get('/api/incidents', {
      config: { access: 'signed_in' },
      schema: {
        tags, summary: 'The incidents you may see (restricted ones only for the safeguarding team and people they grant); every listing is audited',
        querystring: IncidentListQuery,
        response: { 200: Type.Object({ incidents: Type.Array(IncidentSummarySchema) }), ...errors },
      },
    }, async (req) => ({ incidents: await service.listIncidents(serviceContextOf(deps, req), req.query) }));

    app.post('/api/incidents', {
      config: { access: 'signed_in' },
      schema: { tags, summary: 'Report a concern (staff, pupils — anonymously if they wish — and parents)', body: ReportBody, response: { 201: ReportedSchema, ...errors } },
    }, async (req, reply) => reply.code(201).send(await service.reportIncident(serviceContextOf(deps, req), req.body)));

    app.get('/api/incidents/mine', {
      config: { access: 'signed_in' },
      schema: { tags, summary: 'The concerns you reported, with where they have got to', response: { 200: Type.Object({ reports: Type.Array(MyReportSchema) }), ...errors } },
    }, async (req) => ({ reports: await service.myReports(serviceContextOf(deps, req)) }));

    app.get('/api/incidents/:id', {
      config: { access: 'signed_in' },
      schema: { tags, summary: 'One incident: the record, its versions, history, checklist and grants (audited)', params: IdParams, response: { 200: IncidentAnswerSchema, ...errors } },
    }, async (req) => {
      const ctx = serviceContextOf(deps, req);
      const view = await service.getIncident(ctx, req.params.id);
      if (view.view !== 'full') return view;
      return { ...view, suggestedTriage: suggestedAnswers({ category: view.current.category, people: view.current.people }) };
    });

    app.put('/api/incidents/:id', {
      config: { access: 'signed_in' },
      schema: { tags, summary: 'Correct or add to the record (a new version; the earlier ones are kept)', params: IdParams, body: AmendBody, response: { 200: VersionAnswer, ...errors } },
    }, async (req) => {
      const { reason, ...rest } = req.body;
      return service.amendIncident(serviceContextOf(deps, req), req.params.id, rest, reason);
    });

    app.delete('/api/incidents/:id', {
      config: { access: 'signed_in' },
      schema: {
        tags, summary: 'Always refused: incidents are never deleted (the attempt is audited)', params: IdParams,
        response: { 204: Type.Null({ description: 'Never sent: the answer is always 405 (incidents are never deleted)' }), ...errors },
      },
    }, async (req) => service.deleteIncident(serviceContextOf(deps, req), req.params.id));

    app.put('/api/incidents/:id/status', {
      config: { access: 'signed_in' },
      schema: { tags, summary: 'Start the investigation or close the incident', params: IdParams, body: StatusBody, response: { 200: StatusAnswer, ...errors } },
    }, async (req) => service.setStatus(serviceContextOf(deps, req), req.params.id, req.body));

    app.put('/api/incidents/:id/investigation', {
      config: { access: 'signed_in' },
      schema: { tags, summary: 'Assign the senior staff investigating and record the investigation computer', params: IdParams, body: InvestigationBody, response: { 200: VersionAnswer, ...errors } },
    }, async (req) => service.setInvestigation(serviceContextOf(deps, req), req.params.id, req.body));

    app.put('/api/incidents/:id/triage', {
      config: { access: 'signed_in' },
      schema: { tags, summary: 'Answer the triage questions; the checklist follows the flowchart', params: IdParams, body: TriageBody, response: { 200: TriageAnswer, ...errors } },
    }, async (req) => answerTriage(serviceContextOf(deps, req), req.params.id, req.body));

    app.post('/api/incidents/:id/steps/:key', {
      config: { access: 'signed_in' },
      schema: {
        tags, summary: 'Tick a checklist step (who and when are recorded), skip it with a reason, or reopen it',
        params: IncidentStepParams, body: StepBody, response: { 200: StepAnswer, ...errors },
      },
    }, async (req) => actOnStep(serviceContextOf(deps, req), req.params.id, req.params.key, req.body));

    app.get('/api/incidents/:id/sanctions', {
      config: { access: 'signed_in' },
      schema: {
        tags, summary: 'Suggested responses from the sanctions matrix for each instigator, escalated on a repeat', params: IdParams,
        response: { 200: Type.Object({ suggestions: Type.Array(SuggestionSchema) }), ...errors },
      },
    }, async (req) => ({ suggestions: await suggestSanctions(serviceContextOf(deps, req), req.params.id) }));

    app.post('/api/incidents/:id/grants', {
      config: { access: 'signed_in' },
      schema: { tags, summary: 'Let a named person see a restricted incident (DSL and deputies; audited)', params: IdParams, body: GrantBody, response: { 200: OkAnswer, ...errors } },
    }, async (req) => service.grantAccess(serviceContextOf(deps, req), req.params.id, req.body.personId, req.body.reason));

    app.delete('/api/incidents/:id/grants/:personId', {
      config: { access: 'signed_in' },
      schema: { tags, summary: 'Take away a person\'s access to a restricted incident (audited)', params: GrantParams, response: { 200: OkAnswer, ...errors } },
    }, async (req) => service.revokeAccess(serviceContextOf(deps, req), req.params.id, req.params.personId));

    app.get('/api/people/:id/incidents', {
      config: { access: 'incidents.read' },
      schema: {
        tags, summary: 'A person\'s chronology: the incidents they were involved in that you may see (audited)', params: IdParams,
        response: { 200: Type.Object({ entries: Type.Array(IncidentChronologyEntrySchema) }), ...errors },
      },
    }, async (req) => ({ entries: await service.incidentsForPerson(serviceContextOf(deps, req), req.params.id) }));

    app.get('/api/people/:id/chronology', {
      config: { access: 'incidents.read' },
      schema: {
        tags, summary: 'A person\'s chronology: incidents you may see and monitoring alerts sent to you, oldest first (audited)', params: IdParams,
        response: { 200: Type.Object({ entries: Type.Array(ChronologyEntrySchema) }), ...errors },
      },
    }, async (req) => ({ entries: await personChronology(serviceContextOf(deps, req), req.params.id) }));

    app.get('/api/sanctions/:audience', {
      config: { access: 'incidents.read' },
      schema: { tags, summary: 'The school\'s sanctions matrix for pupils or staff', params: AudienceParams, response: { 200: MatrixSchema, ...errors } },
    }, async (req) => getMatrix(serviceContextOf(deps, req), req.params.audience));

    app.put('/api/sanctions/:audience', {
      config: { access: 'sanctions.manage' },
      schema: {
        tags, summary: 'Change the school\'s sanctions matrix (or put Osprey\'s defaults back with reset)', params: AudienceParams,
        body: SanctionsBody, response: { 200: MatrixSchema, ...errors },
      },
    }, async (req) => {
      const b = req.body;
      // A row sent without a key gets one made from its label (setMatrix).
      const rows = (b.rows ?? []).map((r) => ({ key: r.key ?? '', label: r.label, responses: r.responses }));
      return setMatrix(serviceContextOf(deps, req), req.params.audience, b.reset ? { reset: true } : { rows });
    });
  };
}
