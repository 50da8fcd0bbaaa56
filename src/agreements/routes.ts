/**
 * HTTP routes for Acceptable Use Agreements (R6.1–R6.5). Everyone signed in can see and sign their own (and, for a
 * parent, their young children's); writing templates, recording paper forms and reminders need agreements.manage;
 * coverage needs agreements.read. A signature is in force at the filter at once (the identity tables are refreshed).
 * Requests and answers are the schemas in ./schemas.ts.
 */
import type { AppDeps } from '../platform/context.ts';
import { serviceContextOf, userCan, type ModuleRoutes } from '../platform/http.ts';
import { errorResponses as errors, IdParams, NoBody } from '../platform/schemas.ts';
import { campaign, coverage, sendReminders } from './coverage.ts';
import {
  AgreementSettingsSchema, CampaignSchema, CoverageQuerySchema, CoverageSchema, PaperInputSchema, PendingSchema, PreviewAnswerSchema,
  PreviewInputSchema, ReminderInputSchema, RemindersAnswerSchema, SettingsAnswerSchema, SignedAnswerSchema, SignedCopySchema, SignInputSchema,
  TemplateDetailSchema, TemplateInputSchema, TemplatesAnswerSchema, VersionInfoSchema,
} from './schemas.ts';
import * as service from './service.ts';

/** What the agreements module tells others (wired by the composition root, src/app/http.ts). */
export interface AgreementReactions {
  /** Signatures, templates or settings changed: the filter's gate (who must sign first) is worked out again. */
  agreementsChanged(): Promise<void>;
}

export function agreementRoutes(deps: AppDeps, reactions: AgreementReactions): ModuleRoutes {
  return async function plugin(app) {
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
      schema: {
        tags: ['agreements'], summary: 'Agreements I (and, for a parent, my young children) need to sign, with their text',
        response: { 200: PendingSchema, ...errors },
      },
    }, async (req) => service.pendingFor(serviceContextOf(deps, req), req.user!.person.id));

    app.post('/api/agreements/sign', {
      config: { access: 'signed_in' },
      schema: {
        tags: ['agreements'], summary: 'Sign an agreement online (for myself, or as a parent for my young child)',
        body: SignInputSchema,
        response: { 201: SignedAnswerSchema, ...errors },
      },
    }, async (req, reply) => {
      const signed = await service.signAgreement(serviceContextOf(deps, req), { ...req.body, ip: req.ip, userAgent: req.headers['user-agent'] ?? null });
      await refreshGate();
      return reply.code(201).send(signed);
    });

    app.get('/api/agreements/signatures/:id', {
      config: { access: 'signed_in' },
      schema: {
        tags: ['agreements'], summary: 'A signed agreement exactly as it was signed', params: IdParams,
        response: { 200: SignedCopySchema, ...errors },
      },
    }, async (req) => service.viewSignature(serviceContextOf(deps, req), req.params.id, userCan(req, 'agreements.read')));

    app.get('/api/agreements/templates', {
      config: { access: 'agreements.read' },
      schema: {
        tags: ['agreements'], summary: 'The school\'s agreements (the shipped samples until edited)',
        response: { 200: TemplatesAnswerSchema, ...errors },
      },
    }, async (req) => ({ templates: await service.listTemplates(serviceContextOf(deps, req)) }));

    app.get('/api/agreements/templates/:id', {
      config: { access: 'agreements.read' },
      schema: {
        tags: ['agreements'], summary: 'One agreement: its draft text, audience and published versions', params: IdParams,
        response: { 200: TemplateDetailSchema, ...errors },
      },
    }, async (req) => service.getTemplate(serviceContextOf(deps, req), req.params.id));

    app.put('/api/agreements/templates/:id', {
      config: { access: 'agreements.manage' },
      schema: {
        tags: ['agreements'], summary: 'Save the draft text, name and audience of an agreement', params: IdParams, body: TemplateInputSchema,
        response: { 200: TemplateDetailSchema, ...errors },
      },
    }, async (req) => {
      const saved = await service.updateTemplate(serviceContextOf(deps, req), req.params.id, req.body);
      await refreshGate();
      return saved;
    });

    app.post('/api/agreements/templates/:id/publish', {
      config: { access: 'agreements.manage' },
      schema: {
        tags: ['agreements'], summary: 'Publish the draft as a new version: everyone it is for signs again', params: IdParams, body: NoBody,
        response: { 201: VersionInfoSchema, ...errors },
      },
    }, async (req, reply) => {
      const version = await service.publishTemplate(serviceContextOf(deps, req), req.params.id);
      await refreshGate();
      return reply.code(201).send(version);
    });

    app.post('/api/agreements/preview', {
      config: { access: 'agreements.manage' },
      schema: {
        tags: ['agreements'], summary: 'How Markdown will look to the people who sign it (unsafe HTML removed)',
        body: PreviewInputSchema,
        response: { 200: PreviewAnswerSchema, ...errors },
      },
    }, async (req) => service.previewMarkdown(req.body.markdown));

    app.get('/api/agreements/settings', {
      config: { access: 'agreements.read' },
      schema: { tags: ['agreements'], summary: 'School year start, gating and grace periods', response: { 200: SettingsAnswerSchema, ...errors } },
    }, async (req) => service.getSettings(serviceContextOf(deps, req)));

    app.put('/api/agreements/settings', {
      config: { access: 'agreements.manage' },
      schema: {
        tags: ['agreements'], summary: 'Change the school year start, gating and grace periods', body: AgreementSettingsSchema,
        response: { 200: SettingsAnswerSchema, ...errors },
      },
    }, async (req) => {
      const saved = await service.updateSettings(serviceContextOf(deps, req), req.body);
      await refreshGate();
      return saved;
    });

    app.post('/api/agreements/paper', {
      config: { access: 'agreements.manage' },
      schema: {
        tags: ['agreements'], summary: 'Record a paper agreement signed in school',
        body: PaperInputSchema,
        response: { 201: SignedAnswerSchema, ...errors },
      },
    }, async (req, reply) => {
      const recorded = await service.recordPaperSignature(serviceContextOf(deps, req), req.body);
      await refreshGate();
      return reply.code(201).send(recorded);
    });

    app.get('/api/agreements/coverage', {
      config: { access: 'agreements.read' },
      schema: {
        tags: ['agreements'], summary: 'Who has and has not signed, by agreement, group, class and role', querystring: CoverageQuerySchema,
        response: { 200: CoverageSchema, ...errors },
      },
    }, async (req) => coverage(serviceContextOf(deps, req), req.query));

    app.get('/api/agreements/campaign', {
      config: { access: 'agreements.read' },
      schema: { tags: ['agreements'], summary: 'This school year: signed and not signed for each agreement', response: { 200: CampaignSchema, ...errors } },
    }, async (req) => campaign(serviceContextOf(deps, req)));

    app.post('/api/agreements/reminders', {
      config: { access: 'agreements.manage' },
      schema: {
        tags: ['agreements'], summary: 'E-mail a reminder to people who have not signed (parents for pupils)',
        body: ReminderInputSchema,
        response: { 200: RemindersAnswerSchema, ...errors },
      },
    }, async (req) => sendReminders(serviceContextOf(deps, req), { ...req.body, signUrl: `${req.protocol}://${req.host}/agreements/sign` }));
  };
}
