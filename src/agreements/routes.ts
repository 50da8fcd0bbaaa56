/**
 * HTTP routes for Acceptable Use Agreements (R6.1–R6.5). Everyone signed in can see and sign their own (and, for a
 * parent, their young children's); writing templates, recording paper forms and reminders need agreements.manage;
 * coverage needs agreements.read. A signature is in force at the filter at once (the identity tables are refreshed).
 */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../platform/context.ts';
import { errorSchema } from '../platform/errors.ts';
import { serviceContextOf, userCan } from '../platform/http.ts';
import { ROLES } from '../directory/index.ts';
import { KEY_STAGES } from './audience.ts';
import { campaign, coverage, sendReminders, type CoverageQuery, type ReminderInput } from './coverage.ts';
import * as service from './service.ts';
import type { AgreementSettings } from './status.ts';

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } } as const;
const uuid = { type: 'string', format: 'uuid' } as const;

const audienceSchema = {
  type: 'object', additionalProperties: false, required: ['roles', 'groupIds', 'keyStages'],
  properties: {
    roles: { type: 'array', maxItems: 30, items: { type: 'string', enum: [...ROLES] } },
    groupIds: { type: 'array', maxItems: 200, items: uuid },
    keyStages: { type: 'array', maxItems: 6, items: { type: 'string', enum: [...KEY_STAGES] } },
  },
} as const;

const templateBody = {
  type: 'object', additionalProperties: false, required: ['name', 'body', 'audience', 'parentMaySign', 'active'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    body: { type: 'string', maxLength: 100_000 },
    audience: audienceSchema,
    parentMaySign: { type: 'boolean' },
    active: { type: 'boolean' },
  },
} as const;

const settingsBody = {
  type: 'object', additionalProperties: false, required: ['yearStarts', 'gating', 'joinerGraceDays', 'versionGraceDays', 'yearGraceDays'],
  properties: {
    yearStarts: { type: 'string', pattern: '^\\d{2}-\\d{2}$', description: 'Month-day the school year starts, e.g. 09-01' },
    gating: { type: 'boolean', description: 'Hold back the internet until people sign' },
    joinerGraceDays: { type: 'integer', minimum: 0, maximum: 60 },
    versionGraceDays: { type: 'integer', minimum: 0, maximum: 60 },
    yearGraceDays: { type: 'integer', minimum: 0, maximum: 60 },
  },
} as const;

const coverageQuery = {
  type: 'object', additionalProperties: false,
  properties: {
    templateId: uuid, groupId: uuid,
    role: { type: 'string', enum: [...ROLES] },
    status: { type: 'string', enum: ['signed', 'grace', 'unsigned', 'not_signed'] },
  },
} as const;

/** What the agreements module tells others (wired by the composition root, src/app/http.ts). */
export interface AgreementReactions {
  /** Signatures, templates or settings changed: the filter's gate (who must sign first) is worked out again. */
  agreementsChanged(): Promise<void>;
}

export function agreementRoutes(deps: AppDeps, reactions: AgreementReactions) {
  return async function plugin(app: FastifyInstance) {
    /** A signature (or a changed template or setting) is in force at the filter straight away. */
    const refreshGate = async () => {
      try {
        await reactions.agreementsChanged();
      } catch (e) {
        app.log.warn({ err: e }, 'agreements: the filter could not be told yet; it will catch up at its next sweep');
      }
    };

    app.get('/api/agreements/pending', {
      config: { access: 'signed_in' },
      schema: { tags: ['agreements'], summary: 'Agreements I (and, for a parent, my young children) need to sign, with their text' },
    }, async (req) => service.pendingFor(serviceContextOf(deps, req), req.user!.person.id));

    app.post('/api/agreements/sign', {
      config: { access: 'signed_in' },
      schema: {
        tags: ['agreements'], summary: 'Sign an agreement online (for myself, or as a parent for my young child)',
        body: {
          type: 'object', additionalProperties: false, required: ['versionId', 'textSha256', 'typedName', 'agreed'],
          properties: {
            versionId: uuid,
            textSha256: { type: 'string', pattern: '^[0-9a-fA-F]{64}$', description: 'SHA-256 of the exact text shown' },
            typedName: { type: 'string', maxLength: 200 },
            agreed: { type: 'boolean' },
            personId: { ...uuid, description: 'The child a parent signs for; omit to sign for yourself' },
          },
        },
        response: { 201: { type: 'object', properties: { id: { type: 'string' }, signedAt: { type: 'string' }, personId: { type: 'string' }, versionId: { type: 'string' } } }, ...errors },
      },
    }, async (req, reply) => {
      const body = req.body as service.SignInput;
      const signed = await service.signAgreement(serviceContextOf(deps, req), { ...body, ip: req.ip, userAgent: req.headers['user-agent'] ?? null });
      await refreshGate();
      return reply.code(201).send(signed);
    });

    app.get('/api/agreements/signatures/:id', {
      config: { access: 'signed_in' },
      schema: { tags: ['agreements'], summary: 'A signed agreement exactly as it was signed', params: idParams },
    }, async (req) => service.viewSignature(serviceContextOf(deps, req), (req.params as { id: string }).id, userCan(req, 'agreements.read')));

    app.get('/api/agreements/templates', {
      config: { access: 'agreements.read' },
      schema: { tags: ['agreements'], summary: 'The school\'s agreements (the shipped samples until edited)' },
    }, async (req) => ({ templates: await service.listTemplates(serviceContextOf(deps, req)) }));

    app.get('/api/agreements/templates/:id', {
      config: { access: 'agreements.read' },
      schema: { tags: ['agreements'], summary: 'One agreement: its draft text, audience and published versions', params: idParams },
    }, async (req) => service.getTemplate(serviceContextOf(deps, req), (req.params as { id: string }).id));

    app.put('/api/agreements/templates/:id', {
      config: { access: 'agreements.manage' },
      schema: { tags: ['agreements'], summary: 'Save the draft text, name and audience of an agreement', params: idParams, body: templateBody },
    }, async (req) => {
      const saved = await service.updateTemplate(serviceContextOf(deps, req), (req.params as { id: string }).id, req.body as service.TemplateInput);
      await refreshGate();
      return saved;
    });

    app.post('/api/agreements/templates/:id/publish', {
      config: { access: 'agreements.manage' },
      schema: { tags: ['agreements'], summary: 'Publish the draft as a new version: everyone it is for signs again', params: idParams },
    }, async (req, reply) => {
      const version = await service.publishTemplate(serviceContextOf(deps, req), (req.params as { id: string }).id);
      await refreshGate();
      return reply.code(201).send(version);
    });

    app.post('/api/agreements/preview', {
      config: { access: 'agreements.manage' },
      schema: {
        tags: ['agreements'], summary: 'How Markdown will look to the people who sign it (unsafe HTML removed)',
        body: { type: 'object', additionalProperties: false, required: ['markdown'], properties: { markdown: { type: 'string', maxLength: 100_000 } } },
      },
    }, async (req) => service.previewMarkdown((req.body as { markdown: string }).markdown));

    app.get('/api/agreements/settings', {
      config: { access: 'agreements.read' },
      schema: { tags: ['agreements'], summary: 'School year start, gating and grace periods' },
    }, async (req) => service.getSettings(serviceContextOf(deps, req)));

    app.put('/api/agreements/settings', {
      config: { access: 'agreements.manage' },
      schema: { tags: ['agreements'], summary: 'Change the school year start, gating and grace periods', body: settingsBody },
    }, async (req) => {
      const saved = await service.updateSettings(serviceContextOf(deps, req), req.body as AgreementSettings);
      await refreshGate();
      return saved;
    });

    app.post('/api/agreements/paper', {
      config: { access: 'agreements.manage' },
      schema: {
        tags: ['agreements'], summary: 'Record a paper agreement signed in school',
        body: {
          type: 'object', additionalProperties: false, required: ['versionId', 'personId', 'signedOn', 'nameOnForm', 'paperLocation'],
          properties: {
            versionId: uuid, personId: uuid,
            signedOn: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
            nameOnForm: { type: 'string', maxLength: 200 },
            paperLocation: { type: 'string', maxLength: 300 },
          },
        },
      },
    }, async (req, reply) => {
      const recorded = await service.recordPaperSignature(serviceContextOf(deps, req), req.body as service.PaperInput);
      await refreshGate();
      return reply.code(201).send(recorded);
    });

    app.get('/api/agreements/coverage', {
      config: { access: 'agreements.read' },
      schema: { tags: ['agreements'], summary: 'Who has and has not signed, by agreement, group, class and role', querystring: coverageQuery },
    }, async (req) => coverage(serviceContextOf(deps, req), req.query as CoverageQuery));

    app.get('/api/agreements/campaign', {
      config: { access: 'agreements.read' },
      schema: { tags: ['agreements'], summary: 'This school year: signed and not signed for each agreement' },
    }, async (req) => campaign(serviceContextOf(deps, req)));

    app.post('/api/agreements/reminders', {
      config: { access: 'agreements.manage' },
      schema: {
        tags: ['agreements'], summary: 'E-mail a reminder to people who have not signed (parents for pupils)',
        body: {
          type: 'object', additionalProperties: false,
          properties: { templateId: uuid, groupId: uuid, role: { type: 'string', enum: [...ROLES] }, personIds: { type: 'array', maxItems: 5000, items: uuid } },
        },
      },
    }, async (req) => sendReminders(serviceContextOf(deps, req), { ...(req.body as ReminderInput), signUrl: `${req.protocol}://${req.host}/agreements/sign` }));
  };
}
