/**
 * Acceptable Use Agreements (R6.1–R6.3): templates (the shipped samples, edited by the school), publishing immutable
 * versions, settings, what a person (or a parent, for their young children) has to sign, signing online, paper
 * signatures recorded by staff, and a signed agreement exactly as it was signed.
 */
import { randomUUID } from 'node:crypto';
import { appendAudit } from '../platform/audit.ts';
import { withTransaction, type ServiceContext } from '../platform/context.ts';
import { AppError, badRequest, conflict, forbidden, notFound } from '../platform/errors.ts';
import { isRole } from '../directory/index.ts';
import { assess, type AgreementDue } from './assess.ts';
import { inAudience, KEY_STAGES, type Audience } from './audience.ts';
import { renderAgreement, sha256Hex } from './markdown.ts';
import { SAMPLE_TEMPLATES } from './samples.ts';
import * as store from './store.ts';
import { schoolYearName, schoolYearStart, validYearStart, type AgreementSettings } from './status.ts';

export interface TemplateInput { name: string; body: string; audience: Audience; parentMaySign: boolean; active: boolean }

/** Adds the shipped sample templates a school does not have yet (as drafts: nothing is asked of anyone until published). */
export async function ensureSampleTemplates(ctx: Pick<ServiceContext, 'db' | 'clock'>, schoolId: string): Promise<void> {
  const existing = new Set((await store.listTemplates(ctx.db, schoolId)).map((t) => t.key));
  const now = ctx.clock.now();
  for (const sample of SAMPLE_TEMPLATES) {
    if (existing.has(sample.key)) continue;
    await store.insertTemplate(ctx.db, schoolId, { id: randomUUID(), key: sample.key, name: sample.name, body: sample.body, audience: sample.audience, parentMaySign: sample.parentMaySign, active: true }, now);
  }
}

export async function listTemplates(ctx: ServiceContext) {
  await ensureSampleTemplates(ctx, ctx.actor.schoolId);
  const [templates, versions] = await Promise.all([store.listTemplates(ctx.db, ctx.actor.schoolId), store.currentVersions(ctx.db, ctx.actor.schoolId)]);
  return templates.map((t) => templateView(t, versions.get(t.id)));
}

export async function getTemplate(ctx: ServiceContext, id: string) {
  const t = await store.getTemplate(ctx.db, ctx.actor.schoolId, id);
  if (!t) throw notFound('That agreement');
  const versions = await store.versionsOf(ctx.db, ctx.actor.schoolId, id);
  const current = versions.find((v) => v.id === t.currentVersionId);
  return { ...templateView(t, current), body: t.body, versions: versions.map(versionView) };
}

export async function updateTemplate(ctx: ServiceContext, id: string, input: TemplateInput) {
  const before = await store.getTemplate(ctx.db, ctx.actor.schoolId, id);
  if (!before) throw notFound('That agreement');
  const clean = await validTemplate(ctx, input);
  const now = ctx.clock.now();
  await withTransaction(ctx, async ({ db: tx }) => {
    await store.updateTemplate(tx, ctx.actor.schoolId, id, clean, now);
    await appendAudit(tx, ctx.actor, {
      action: 'agreement.template_updated', entityType: 'agreement_template', entityId: id,
      details: { name: clean.name, audience: clean.audience, parentMaySign: clean.parentMaySign, active: clean.active, textChanged: clean.body !== before.body },
    }, now);
  });
  return getTemplate(ctx, id);
}

/** Publishes the draft as a new, immutable version (only when it differs from the current one): everyone re-signs. */
export async function publishTemplate(ctx: ServiceContext, id: string) {
  const t = await store.getTemplate(ctx.db, ctx.actor.schoolId, id);
  if (!t) throw notFound('That agreement');
  const versions = await store.versionsOf(ctx.db, ctx.actor.schoolId, id);
  const current = versions.find((v) => v.id === t.currentVersionId);
  const html = renderAgreement(t.body);
  if (current && current.html === html && current.title === t.name) {
    throw conflict('This agreement has not changed since it was last published, so there is nothing new to sign. Edit the text first.');
  }
  if (!t.body.trim()) throw badRequest('The agreement has no text. Write the agreement before publishing it.');
  const now = ctx.clock.now();
  const version: store.VersionRow = {
    id: randomUUID(), templateId: id, number: (versions[0]?.number ?? 0) + 1, title: t.name, body: t.body, html,
    textSha256: sha256Hex(html), publishedAt: now, publishedBy: ctx.actor.id,
  };
  await withTransaction(ctx, async ({ db: tx }) => {
    await store.insertVersion(tx, ctx.actor.schoolId, version);
    await store.setCurrentVersion(tx, ctx.actor.schoolId, id, version.id, now);
    await appendAudit(tx, ctx.actor, {
      action: 'agreement.published', entityType: 'agreement_template', entityId: id,
      details: { versionId: version.id, number: version.number, textSha256: version.textSha256 },
    }, now);
  });
  return versionView(version);
}

export function previewMarkdown(markdown: string) {
  const html = renderAgreement(markdown);
  return { html, textSha256: sha256Hex(html) };
}

export async function getSettings(ctx: ServiceContext) {
  const settings = await store.loadSettings(ctx.db, ctx.actor.schoolId);
  const start = schoolYearStart(ctx.clock.now(), settings.yearStarts);
  return { ...settings, schoolYear: { name: schoolYearName(start), startedOn: start.toISOString().slice(0, 10) } };
}

export async function updateSettings(ctx: ServiceContext, settings: AgreementSettings) {
  if (!validYearStart(settings.yearStarts)) throw badRequest(`'${settings.yearStarts}' is not a day of the year. Give it as month-day, for example 09-01 for 1 September (days 29–31 are not allowed).`);
  const before = await store.loadSettings(ctx.db, ctx.actor.schoolId);
  const now = ctx.clock.now();
  await withTransaction(ctx, async ({ db: tx }) => {
    await store.saveSettings(tx, ctx.actor.schoolId, settings, now);
    await appendAudit(tx, ctx.actor, { action: 'agreement.settings_updated', entityType: 'agreement_settings', entityId: ctx.actor.schoolId, details: { before, after: settings } }, now);
  });
  return getSettings(ctx);
}

/** What the person must sign, and (for a parent) what they may sign for their children. */
export async function pendingFor(ctx: ServiceContext, personId: string) {
  const children = await store.childrenOf(ctx.db, ctx.actor.schoolId, personId);
  const { due } = await assess(ctx.db, ctx.actor.schoolId, ctx.clock.now(), [personId, ...children]);
  const mine = due.filter((d) => d.person.id === personId || d.template.parentMaySign);
  return {
    pending: mine.filter((d) => d.status !== 'signed').map((d) => dueView(d, personId)),
    signed: mine.filter((d) => d.status === 'signed').map((d) => dueView(d, personId)),
  };
}

export interface SignInput { versionId: string; textSha256: string; typedName: string; agreed: boolean; personId?: string; ip?: string | null; userAgent?: string | null }

export async function signAgreement(ctx: ServiceContext, input: SignInput) {
  const schoolId = ctx.actor.schoolId;
  const signerId = ctx.actor.id!;
  const forId = input.personId ?? signerId;
  const refuse = async (error: AppError) => {
    await appendAudit(ctx.db, ctx.actor, {
      action: 'agreement.sign_refused', entityType: 'person', entityId: forId,
      details: { versionId: input.versionId, reason: error.code, textSha256: input.textSha256 },
    }, ctx.clock.now());
    throw error;
  };
  const version = await store.getVersion(ctx.db, schoolId, input.versionId);
  if (!version) return refuse(notFound('That version of the agreement'));
  const template = (await store.getTemplate(ctx.db, schoolId, version.templateId))!;
  if (forId !== signerId) {
    if (!(await store.isParentOf(ctx.db, schoolId, signerId, forId))) {
      return refuse(forbidden('You can only sign for a child who is linked to you as their parent or carer. If this is your child, ask the school office to link them to your account.'));
    }
    if (!template.parentMaySign) {
      return refuse(new AppError(403, 'pupil_must_sign', `"${template.name}" is signed by the pupil themselves. Help your child to read it and sign it when they next log on.`));
    }
  }
  if (template.currentVersionId !== version.id || !template.active) {
    return refuse(new AppError(409, 'superseded', 'This version of the agreement has been replaced by a newer one. Reload the page, read the current version and sign that.'));
  }
  if (input.textSha256.toLowerCase() !== version.textSha256) {
    return refuse(new AppError(409, 'text_changed', 'The agreement text you were shown does not match the published agreement. Reload the page, read it again and sign.'));
  }
  const [person] = await store.peopleFacts(ctx.db, schoolId, [forId]);
  if (!person || !inAudience(template.audience, person)) {
    return refuse(badRequest(`"${template.name}" is not an agreement ${forId === signerId ? 'you need' : 'your child needs'} to sign.`));
  }
  if (!input.agreed) throw badRequest('Tick the box to say you have read the agreement and will keep to it.');
  const typedName = input.typedName.trim().replace(/\s+/g, ' ');
  if (typedName.length < 2) throw badRequest('Type your full name to sign.');
  const now = ctx.clock.now();
  const signature = {
    id: randomUUID(), versionId: version.id, personId: forId, signedBy: signerId, method: forId === signerId ? 'online' as const : 'parent' as const,
    typedName, signedAt: now, textSha256: version.textSha256, ip: input.ip ?? null, userAgent: input.userAgent?.slice(0, 500) ?? null,
    recordedBy: null, recordedAt: null, paperLocation: null,
  };
  await withTransaction(ctx, async ({ db: tx }) => {
    await store.insertSignature(tx, schoolId, signature);
    await appendAudit(tx, ctx.actor, {
      action: 'agreement.signed', entityType: 'person', entityId: forId,
      details: { signatureId: signature.id, templateId: template.id, template: template.name, versionId: version.id, version: version.number, method: signature.method, textSha256: version.textSha256 },
    }, now);
  });
  return { id: signature.id, signedAt: now.toISOString(), personId: forId, versionId: version.id };
}

export interface PaperInput { versionId: string; personId: string; signedOn: string; nameOnForm: string; paperLocation: string }

/** A paper form signed in school, recorded by staff with agreements.manage: who recorded it, when, and where it is kept. */
export async function recordPaperSignature(ctx: ServiceContext, input: PaperInput) {
  const schoolId = ctx.actor.schoolId;
  const version = await store.getVersion(ctx.db, schoolId, input.versionId);
  if (!version) throw notFound('That version of the agreement');
  const template = (await store.getTemplate(ctx.db, schoolId, version.templateId))!;
  if (template.currentVersionId !== version.id) throw new AppError(409, 'superseded', 'That version has been replaced. Print the current version, have it signed, and record that.');
  const [person] = await store.peopleFacts(ctx.db, schoolId, [input.personId]);
  if (!person) throw notFound('That person');
  if (!inAudience(template.audience, person)) throw badRequest(`"${template.name}" is not an agreement ${person.givenName} ${person.familyName} needs to sign.`);
  const signedAt = new Date(`${input.signedOn}T12:00:00Z`);
  const now = ctx.clock.now();
  if (Number.isNaN(signedAt.getTime())) throw badRequest(`'${input.signedOn}' is not a date. Give the date on the form, e.g. 2026-09-07.`);
  if (signedAt.getTime() > now.getTime() + 86_400_000) throw badRequest('The date on the form is in the future. Check the date and try again.');
  if (signedAt.getTime() < version.publishedAt.getTime() - 86_400_000) throw badRequest('The form is dated before this version was published, so it was a signature of an earlier version.');
  const location = input.paperLocation.trim();
  if (!location) throw badRequest('Say where the signed form is kept (for example "Office filing cabinet, AUP folder 2026–27").');
  const signature = {
    id: randomUUID(), versionId: version.id, personId: person.id, signedBy: person.id, method: 'paper' as const,
    typedName: input.nameOnForm.trim() || `${person.givenName} ${person.familyName}`, signedAt, textSha256: version.textSha256,
    ip: null, userAgent: null, recordedBy: ctx.actor.id, recordedAt: now, paperLocation: location,
  };
  await withTransaction(ctx, async ({ db: tx }) => {
    await store.insertSignature(tx, schoolId, signature);
    await appendAudit(tx, ctx.actor, {
      action: 'agreement.paper_recorded', entityType: 'person', entityId: person.id,
      details: { signatureId: signature.id, templateId: template.id, versionId: version.id, signedOn: input.signedOn, paperLocation: location },
    }, now);
  });
  return { id: signature.id, signedAt: signedAt.toISOString(), personId: person.id, versionId: version.id };
}

/** A signed agreement as it was signed: for the person, whoever signed it, a linked parent, or staff with agreements.read. */
export async function viewSignature(ctx: ServiceContext, id: string, canReadAll: boolean) {
  const schoolId = ctx.actor.schoolId;
  const s = await store.getSignature(ctx.db, schoolId, id);
  if (!s) throw notFound('That signed agreement');
  const me = ctx.actor.id!;
  const own = s.personId === me || s.signedBy === me || (await store.isParentOf(ctx.db, schoolId, me, s.personId));
  if (!own && !canReadAll) throw notFound('That signed agreement');
  const version = (await store.getVersion(ctx.db, schoolId, s.versionId))!;
  const people = await store.peopleFacts(ctx.db, schoolId, [...new Set([s.personId, s.signedBy, s.recordedBy].filter((x): x is string => Boolean(x)))]);
  const name = (pid: string | null) => { const p = people.find((x) => x.id === pid); return p ? `${p.givenName} ${p.familyName}` : null; };
  if (!own) await appendAudit(ctx.db, ctx.actor, { action: 'agreement.signature_viewed', entityType: 'person', entityId: s.personId, details: { signatureId: id } }, ctx.clock.now());
  return {
    id: s.id, method: s.method, typedName: s.typedName, signedAt: s.signedAt.toISOString(), textSha256: s.textSha256,
    person: { id: s.personId, name: name(s.personId) }, signedBy: s.signedBy ? { id: s.signedBy, name: name(s.signedBy) } : null,
    ip: s.ip, userAgent: s.userAgent,
    paper: s.method === 'paper' ? { recordedBy: name(s.recordedBy), recordedAt: s.recordedAt?.toISOString() ?? null, location: s.paperLocation } : null,
    version: { ...versionView(version), html: version.html },
    textMatches: sha256Hex(version.html) === s.textSha256,
  };
}

async function validTemplate(ctx: ServiceContext, input: TemplateInput): Promise<TemplateInput> {
  const name = input.name.trim();
  if (!name) throw badRequest('Give the agreement a name people will recognise, such as "Pupils in Key Stage 2".');
  const badRole = input.audience.roles.find((r) => !isRole(r));
  if (badRole) throw badRequest(`'${badRole}' is not a role.`);
  const badStage = input.audience.keyStages.find((k) => !(KEY_STAGES as readonly string[]).includes(k));
  if (badStage) throw badRequest(`'${badStage}' is not a key stage. Use EYFS, KS1, KS2, KS3, KS4 or KS5.`);
  const groups = await store.groupNames(ctx.db, ctx.actor.schoolId);
  const missing = input.audience.groupIds.filter((g) => !groups.has(g));
  if (missing.length) throw new AppError(400, 'unknown_group', `${missing.length} of the groups chosen do not exist. Reload the page and choose again.`, { missing });
  return { ...input, name, audience: { roles: [...new Set(input.audience.roles)], groupIds: [...new Set(input.audience.groupIds)], keyStages: [...new Set(input.audience.keyStages)] } };
}

function templateView(t: store.TemplateRow, current: store.VersionRow | undefined) {
  return {
    id: t.id, key: t.key, name: t.name, audience: t.audience, parentMaySign: t.parentMaySign, active: t.active,
    currentVersion: current ? versionView(current) : null, hasUnpublishedChanges: !current || current.body !== t.body || current.title !== t.name,
    updatedAt: t.updatedAt.toISOString(),
  };
}

function versionView(v: store.VersionRow) {
  return { id: v.id, number: v.number, title: v.title, textSha256: v.textSha256, publishedAt: v.publishedAt.toISOString() };
}

function dueView(d: AgreementDue, viewerId: string) {
  return {
    person: { id: d.person.id, name: `${d.person.givenName} ${d.person.familyName}`, isMe: d.person.id === viewerId, yearGroup: d.person.yearGroup },
    template: { id: d.template.id, key: d.template.key, name: d.template.name },
    version: { ...versionView(d.version), html: d.version.html },
    status: d.status,
    graceUntil: d.graceUntil?.toISOString() ?? null,
    signature: d.signature ? { id: d.signature.id, signedAt: d.signature.signedAt.toISOString(), method: d.signature.method } : null,
  };
}
