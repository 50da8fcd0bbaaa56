/**
 * Media consent routes (R7.1–R7.3): the check (`consents.check`), a pupil's record and paper forms
 * (`consents.manage`), and the parents' view (any signed-in adult; the service allows only their own children).
 * Requests and answers are the schemas in ./consent-schemas.ts.
 */
import type { AppDeps } from '../platform/context.ts';
import { serviceContextOf, type ModuleRoutes } from '../platform/http.ts';
import { errorResponses as errors, IdParams, OkAnswer } from '../platform/schemas.ts';
import {
  BulkCheckAnswerSchema, BulkCheckInputSchema, ConsentAnswerSchema, ConsentCheckQuery, FamilyAnswerSchema, GroupsAnswerSchema,
  PaperConsentInputSchema, ParentDecisionInputSchema, PupilConsentRecordSchema, PupilSearchQuery, PupilsAnswerSchema, RecordedAnswerSchema,
  ResponsibilityInputSchema, UsesAnswerSchema,
} from './consent-schemas.ts';
import * as service from './consent-service.ts';
import { CONSENT_USES, FULL_NAME_REMINDER } from './consent-uses.ts';

export function consentRoutes(deps: AppDeps): ModuleRoutes {
  const tz = deps.config.timeZone;
  return async function plugin(app) {
    app.get('/api/consents/uses', {
      config: { access: 'signed_in' },
      schema: { tags: ['consents'], summary: 'The uses of a pupil\'s image that consent is asked for', response: { 200: UsesAnswerSchema, ...errors } },
    }, async () => ({ uses: [...CONSENT_USES], reminder: FULL_NAME_REMINDER }));

    app.get('/api/consents/pupils', {
      config: { access: 'consents.check' },
      schema: {
        tags: ['consents'], summary: 'Find pupils by name or username, to check their consent',
        querystring: PupilSearchQuery,
        response: { 200: PupilsAnswerSchema, ...errors },
      },
    }, async (req) => ({ pupils: await service.findPupilsToCheck(serviceContextOf(deps, req), req.query.q) }));

    app.get('/api/consents/groups', {
      config: { access: 'consents.check' },
      schema: { tags: ['consents'], summary: 'Classes and groups with pupils, for a bulk check', response: { 200: GroupsAnswerSchema, ...errors } },
    }, async (req) => ({ groups: await service.groupsToCheck(serviceContextOf(deps, req)) }));

    app.get('/api/consents/check', {
      config: { access: 'consents.check' },
      schema: {
        tags: ['consents'], summary: 'May this pupil\'s image be used for this purpose? Yes or no, with who decided and when',
        querystring: ConsentCheckQuery,
        response: { 200: ConsentAnswerSchema, ...errors },
      },
    }, async (req) => service.checkConsent(serviceContextOf(deps, req), req.query.pupil, req.query.use, tz));

    app.post('/api/consents/check-bulk', {
      config: { access: 'consents.check' },
      schema: {
        tags: ['consents'], summary: 'Check a class or a list of pupils for one use: who may NOT appear',
        body: BulkCheckInputSchema,
        response: { 200: BulkCheckAnswerSchema, ...errors },
      },
    }, async (req) => service.bulkCheck(serviceContextOf(deps, req), req.body, tz));

    app.get('/api/consents/pupils/:id', {
      config: { access: 'consents.manage' },
      schema: {
        tags: ['consents'], summary: 'A pupil\'s consents: current answers, linked adults and parental responsibility, full history',
        params: IdParams,
        response: { 200: PupilConsentRecordSchema, ...errors },
      },
    }, async (req) => service.pupilConsentRecord(serviceContextOf(deps, req), req.params.id, tz));

    app.post('/api/consents/pupils/:id/paper', {
      config: { access: 'consents.manage' },
      schema: {
        tags: ['consents'], summary: 'Record a paper consent form signed by a parent or carer with parental responsibility',
        params: IdParams,
        body: PaperConsentInputSchema,
        response: { 200: RecordedAnswerSchema, ...errors },
      },
    }, async (req) => service.recordPaperConsent(serviceContextOf(deps, req), req.params.id, req.body));

    app.post('/api/consents/pupils/:id/responsibility', {
      config: { access: 'consents.manage' },
      schema: {
        tags: ['consents'], summary: 'Record whether a linked adult has parental responsibility for the pupil',
        params: IdParams,
        body: ResponsibilityInputSchema,
        response: { 200: OkAnswer, ...errors },
      },
    }, async (req) => {
      await service.recordResponsibility(serviceContextOf(deps, req), req.params.id, req.body);
      return { ok: true };
    });

    app.get('/api/family/consents', {
      config: { access: 'signed_in' },
      schema: {
        tags: ['consents'], summary: 'For a parent or carer: their children and each child\'s consents and history',
        response: { 200: FamilyAnswerSchema, ...errors },
      },
    }, async (req) => {
      const answer = await service.familyConsents(serviceContextOf(deps, req), tz);
      return { ...answer, uses: [...answer.uses] };
    });

    app.post('/api/family/children/:id/consents', {
      config: { access: 'signed_in' },
      schema: {
        tags: ['consents'], summary: 'For a parent or carer with parental responsibility: give or withdraw consent for one use',
        params: IdParams,
        body: ParentDecisionInputSchema,
        response: { 200: ConsentAnswerSchema, ...errors },
      },
    }, async (req) => service.parentDecides(serviceContextOf(deps, req), req.params.id, req.body.use, req.body.given, tz));
  };
}
