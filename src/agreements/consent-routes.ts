/**
 * Media consent routes (R7.1–R7.3): the check (`consents.check`), a pupil's record and paper forms
 * (`consents.manage`), and the parents' view (any signed-in adult; the service allows only their own children).
 */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../platform/context.ts';
import { errorSchema } from '../platform/errors.ts';
import { serviceContextOf } from '../platform/http.ts';
import * as service from './consent-service.ts';
import { CONSENT_USE_KEYS, CONSENT_USES, FULL_NAME_REMINDER } from './consent-uses.ts';

const uuid = { type: 'string', format: 'uuid' } as const;
const idParams = { type: 'object', required: ['id'], properties: { id: uuid } } as const;
const useKey = { type: 'string', enum: CONSENT_USE_KEYS } as const;
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };

const pupil = { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, username: { type: 'string' }, yearGroup: { type: ['string', 'null'] }, status: { type: 'string' } } } as const;
const decision = {
  type: 'object',
  properties: {
    id: { type: 'string' }, use: { type: 'string' }, useLabel: { type: 'string' }, decision: { type: 'string' }, parentName: { type: 'string' },
    channel: { type: 'string' }, recordedByName: { type: 'string' }, recordedAt: { type: 'string' }, formDated: { type: ['string', 'null'] },
    formKeptAt: { type: ['string', 'null'] }, note: { type: 'string' },
  },
} as const;
const answer = {
  type: 'object',
  properties: {
    pupil, use: { type: 'object', properties: { key: { type: 'string' }, label: { type: 'string' } } }, allowed: { type: 'boolean' },
    reason: { type: 'string' }, decision: { anyOf: [decision, { type: 'null' }] }, summary: { type: 'string' }, reminder: { type: 'string' },
  },
} as const;
const uses = { type: 'array', items: { type: 'object', properties: { key: { type: 'string' }, label: { type: 'string' }, description: { type: 'string' } } } } as const;

export function consentRoutes(deps: AppDeps) {
  const tz = deps.config.timeZone;
  return async function plugin(app: FastifyInstance) {
    app.get('/api/consents/uses', {
      config: { access: 'signed_in' },
      schema: { tags: ['consents'], summary: 'The uses of a pupil\'s image that consent is asked for', response: { 200: { type: 'object', properties: { uses, reminder: { type: 'string' } } }, ...errors } },
    }, async () => ({ uses: CONSENT_USES, reminder: FULL_NAME_REMINDER }));

    app.get('/api/consents/pupils', {
      config: { access: 'consents.check' },
      schema: {
        tags: ['consents'], summary: 'Find pupils by name or username, to check their consent',
        querystring: { type: 'object', additionalProperties: false, required: ['q'], properties: { q: { type: 'string', minLength: 1, maxLength: 100 } } },
        response: { 200: { type: 'object', properties: { pupils: { type: 'array', items: pupil } } }, ...errors },
      },
    }, async (req) => ({ pupils: await service.findPupilsToCheck(serviceContextOf(deps, req), (req.query as { q: string }).q) }));

    app.get('/api/consents/groups', {
      config: { access: 'consents.check' },
      schema: {
        tags: ['consents'], summary: 'Classes and groups with pupils, for a bulk check',
        response: { 200: { type: 'object', properties: { groups: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, kind: { type: 'string' }, name: { type: 'string' }, pupils: { type: 'integer' } } } } } }, ...errors },
      },
    }, async (req) => ({ groups: await service.groupsToCheck(serviceContextOf(deps, req)) }));

    app.get('/api/consents/check', {
      config: { access: 'consents.check' },
      schema: {
        tags: ['consents'], summary: 'May this pupil\'s image be used for this purpose? Yes or no, with who decided and when',
        querystring: { type: 'object', additionalProperties: false, required: ['pupil', 'use'], properties: { pupil: uuid, use: useKey } },
        response: { 200: answer, ...errors },
      },
    }, async (req) => {
      const q = req.query as { pupil: string; use: string };
      return service.checkConsent(serviceContextOf(deps, req), q.pupil, q.use, tz);
    });

    app.post('/api/consents/check-bulk', {
      config: { access: 'consents.check' },
      schema: {
        tags: ['consents'], summary: 'Check a class or a list of pupils for one use: who may NOT appear',
        body: {
          type: 'object', additionalProperties: false, required: ['use'],
          properties: { use: useKey, groupId: uuid, names: { type: 'array', maxItems: 500, items: { type: 'string', maxLength: 200 } } },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              use: { type: 'object', properties: { key: { type: 'string' }, label: { type: 'string' } } }, group: { type: ['string', 'null'] },
              checked: { type: 'integer' }, mayNotAppear: { type: 'array', items: answer }, mayAppear: { type: 'array', items: pupil },
              unknown: { type: 'array', items: { type: 'string' } },
              ambiguous: { type: 'array', items: { type: 'object', properties: { typed: { type: 'string' }, matches: { type: 'array', items: pupil } } } },
              reminder: { type: 'string' },
            },
          },
          ...errors,
        },
      },
    }, async (req) => service.bulkCheck(serviceContextOf(deps, req), req.body as service.BulkCheckInput, tz));

    app.get('/api/consents/pupils/:id', {
      config: { access: 'consents.manage' },
      schema: {
        tags: ['consents'], summary: 'A pupil\'s consents: current answers, linked adults and parental responsibility, full history',
        params: idParams,
        response: {
          200: {
            type: 'object',
            properties: {
              pupil, current: { type: 'array', items: answer }, history: { type: 'array', items: decision }, reminder: { type: 'string' },
              adults: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, username: { type: 'string' }, hasResponsibility: { type: 'boolean' }, recordedBy: { type: ['string', 'null'] }, recordedAt: { type: ['string', 'null'] }, note: { type: 'string' } } } },
            },
          },
          ...errors,
        },
      },
    }, async (req) => service.pupilConsentRecord(serviceContextOf(deps, req), (req.params as { id: string }).id, tz));

    app.post('/api/consents/pupils/:id/paper', {
      config: { access: 'consents.manage' },
      schema: {
        tags: ['consents'], summary: 'Record a paper consent form signed by a parent or carer with parental responsibility',
        params: idParams,
        body: {
          type: 'object', additionalProperties: false, required: ['parentId', 'decisions', 'formDated', 'formKeptAt'],
          properties: {
            parentId: uuid,
            decisions: { type: 'object', minProperties: 1, additionalProperties: false, properties: Object.fromEntries(CONSENT_USE_KEYS.map((k) => [k, { type: 'boolean' }])) },
            formDated: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' }, formKeptAt: { type: 'string', minLength: 1, maxLength: 200 }, note: { type: 'string', maxLength: 1000 },
          },
        },
        response: { 200: { type: 'object', properties: { recorded: { type: 'integer' } } }, ...errors },
      },
    }, async (req) => service.recordPaperConsent(serviceContextOf(deps, req), (req.params as { id: string }).id, req.body as service.PaperConsentInput));

    app.post('/api/consents/pupils/:id/responsibility', {
      config: { access: 'consents.manage' },
      schema: {
        tags: ['consents'], summary: 'Record whether a linked adult has parental responsibility for the pupil',
        params: idParams,
        body: { type: 'object', additionalProperties: false, required: ['parentId', 'hasResponsibility'], properties: { parentId: uuid, hasResponsibility: { type: 'boolean' }, note: { type: 'string', maxLength: 1000 } } },
        response: { 200: { type: 'object', properties: { ok: { type: 'boolean' } } }, ...errors },
      },
    }, async (req) => {
      await service.recordResponsibility(serviceContextOf(deps, req), (req.params as { id: string }).id, req.body as { parentId: string; hasResponsibility: boolean; note?: string });
      return { ok: true };
    });

    app.get('/api/family/consents', {
      config: { access: 'signed_in' },
      schema: {
        tags: ['consents'], summary: 'For a parent or carer: their children and each child\'s consents and history',
        response: {
          200: {
            type: 'object',
            properties: {
              children: { type: 'array', items: { type: 'object', properties: { pupil, canChange: { type: 'boolean' }, consents: { type: 'array', items: answer }, history: { type: 'array', items: decision } } } },
              uses, reminder: { type: 'string' },
            },
          },
          ...errors,
        },
      },
    }, async (req) => service.familyConsents(serviceContextOf(deps, req), tz));

    app.post('/api/family/children/:id/consents', {
      config: { access: 'signed_in' },
      schema: {
        tags: ['consents'], summary: 'For a parent or carer with parental responsibility: give or withdraw consent for one use',
        params: idParams,
        body: { type: 'object', additionalProperties: false, required: ['use', 'given'], properties: { use: useKey, given: { type: 'boolean' } } },
        response: { 200: answer, ...errors },
      },
    }, async (req) => {
      const b = req.body as { use: string; given: boolean };
      return service.parentDecides(serviceContextOf(deps, req), (req.params as { id: string }).id, b.use, b.given, tz);
    });
  };
}
