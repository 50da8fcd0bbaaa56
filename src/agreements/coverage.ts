/**
 * Coverage and reminders (R6.5): who has and has not signed, by agreement, group, class and role; the start-of-year
 * campaign (counts per agreement); and e-mail reminders — to staff and other adults themselves, and to the parents
 * of pupils — each recorded and audited.
 */
import { randomUUID } from 'node:crypto';
import { appendAudit } from '../platform/audit.ts';
import { withTransaction, type ServiceContext } from '../platform/context.ts';
import { isEmailAddress, queueMail } from '../platform/mail.ts';
import { assess, type AgreementDue } from './assess.ts';
import * as store from './store.ts';
import { schoolYearName, schoolYearStart, type SignStatus } from './status.ts';

export interface CoverageQuery { templateId?: string; groupId?: string; role?: string; status?: SignStatus | 'not_signed' }
export interface ReminderInput { templateId?: string; groupId?: string; role?: string; personIds?: string[]; signUrl?: string }

function matches(d: AgreementDue, q: CoverageQuery): boolean {
  if (q.templateId && d.template.id !== q.templateId) return false;
  if (q.groupId && !d.person.groupIds.includes(q.groupId)) return false;
  if (q.role && !d.person.roles.includes(q.role)) return false;
  if (q.status === 'not_signed') return d.status !== 'signed';
  if (q.status && d.status !== q.status) return false;
  return true;
}

function counts(rows: AgreementDue[]) {
  return { total: rows.length, signed: rows.filter((d) => d.status === 'signed').length, grace: rows.filter((d) => d.status === 'grace').length, unsigned: rows.filter((d) => d.status === 'unsigned').length };
}

export async function coverage(ctx: ServiceContext, q: CoverageQuery) {
  const schoolId = ctx.actor.schoolId;
  const now = ctx.clock.now();
  const [{ settings, due }, groups, reminded] = await Promise.all([assess(ctx.db, schoolId, now), store.groupNames(ctx.db, schoolId), store.lastReminders(ctx.db, schoolId)]);
  const rows = due.filter((d) => matches(d, q));
  const start = schoolYearStart(now, settings.yearStarts);
  return {
    schoolYear: { name: schoolYearName(start), startedOn: start.toISOString().slice(0, 10) },
    counts: counts(rows),
    people: rows.map((d) => ({
      person: {
        id: d.person.id, name: `${d.person.givenName} ${d.person.familyName}`, username: d.person.username, yearGroup: d.person.yearGroup, roles: d.person.roles,
        classes: d.person.groupIds.map((g) => groups.get(g)).filter((g) => g?.kind === 'class').map((g) => g!.name).sort(),
      },
      template: { id: d.template.id, name: d.template.name, parentMaySign: d.template.parentMaySign },
      version: { id: d.version.id, number: d.version.number },
      status: d.status,
      graceUntil: d.graceUntil?.toISOString() ?? null,
      signature: d.signature ? { id: d.signature.id, signedAt: d.signature.signedAt.toISOString(), method: d.signature.method } : null,
      lastReminderAt: reminded.get(`${d.person.id}:${d.template.id}`)?.toISOString() ?? null,
    })).sort((a, b) => a.template.name.localeCompare(b.template.name) || (a.person.classes[0] ?? '').localeCompare(b.person.classes[0] ?? '') || a.person.name.localeCompare(b.person.name)),
  };
}

/** The start-of-year view: for each published agreement, how many have signed and how many have not. */
export async function campaign(ctx: ServiceContext) {
  const schoolId = ctx.actor.schoolId;
  const now = ctx.clock.now();
  const [{ settings, due }, templates] = await Promise.all([assess(ctx.db, schoolId, now), store.listTemplates(ctx.db, schoolId)]);
  const start = schoolYearStart(now, settings.yearStarts);
  return {
    schoolYear: { name: schoolYearName(start), startedOn: start.toISOString().slice(0, 10) },
    settings,
    audiences: templates.filter((t) => t.active && t.currentVersionId).map((t) => {
      const rows = due.filter((d) => d.template.id === t.id);
      return { template: { id: t.id, name: t.name }, version: rows[0] ? { id: rows[0].version.id, number: rows[0].version.number, publishedAt: rows[0].version.publishedAt.toISOString() } : null, ...counts(rows) };
    }),
    counts: counts(due),
  };
}

/** E-mails everyone matching who has not signed (parents for pupils). Returns what was sent and who could not be reached. */
export async function sendReminders(ctx: ServiceContext, input: ReminderInput) {
  const schoolId = ctx.actor.schoolId;
  const now = ctx.clock.now();
  const { due } = await assess(ctx.db, schoolId, now, input.personIds);
  const unsigned = due.filter((d) => d.status !== 'signed' && matches(d, input));
  const pupils = unsigned.filter((d) => d.person.roles.includes('pupil')).map((d) => d.person.id);
  const parents = await store.parentsWithEmail(ctx.db, schoolId, [...new Set(pupils)]);
  const signUrl = input.signUrl ?? '/agreements/sign';
  const mails: { personId: string; templateId: string; recipientId: string; to: string; subject: string; text: string }[] = [];
  const unreachable: { id: string; name: string; template: string }[] = [];
  for (const d of unsigned) {
    const name = `${d.person.givenName} ${d.person.familyName}`;
    const isPupil = d.person.roles.includes('pupil');
    const recipients = isPupil ? parents.get(d.person.id) ?? [] : d.person.email && isEmailAddress(d.person.email) ? [{ id: d.person.id, name, email: d.person.email }] : [];
    if (recipients.length === 0) { unreachable.push({ id: d.person.id, name, template: d.template.name }); continue; }
    for (const r of recipients) {
      const forChild = isPupil;
      const text = forChild
        ? [`Dear ${r.name},`, '',
          `${name} has not yet signed "${d.template.name}" for this school year.`,
          d.template.parentMaySign ? `You can read and sign it for ${d.person.givenName} here: ${signUrl}` : `Please read it with ${d.person.givenName}; they sign it when they next log on at school. You can read it here: ${signUrl}`,
          '', 'Until it is signed, the school internet may not be available to them.', '', 'Thank you,', 'The school']
        : [`Dear ${r.name},`, '', `You have not yet signed "${d.template.name}" for this school year.`, `Please read and sign it here: ${signUrl}`, '',
          'Until it is signed, the school internet may not be available to you.', '', 'Thank you,', 'The school'];
      mails.push({ personId: d.person.id, templateId: d.template.id, recipientId: r.id, to: r.email, subject: forChild ? `Acceptable Use Agreement for ${name}` : 'Please sign your Acceptable Use Agreement', text: text.join('\n') });
    }
  }
  await withTransaction(ctx, async ({ db: tx }) => {
    for (const m of mails) {
      await queueMail(tx, { schoolId, purpose: 'agreement_reminder', to: m.to, subject: m.subject, text: m.text }, now);
      await store.insertReminder(tx, schoolId, { id: randomUUID(), sentAt: now, sentBy: ctx.actor.id, personId: m.personId, recipientId: m.recipientId, to: m.to, templateId: m.templateId });
    }
    await appendAudit(tx, ctx.actor, {
      action: 'agreement.reminders_sent', entityType: 'agreement_reminders', entityId: input.templateId ?? null,
      details: { filter: { templateId: input.templateId, groupId: input.groupId, role: input.role, people: input.personIds?.length }, emails: mails.length, people: new Set(mails.map((m) => m.personId)).size, unreachable: unreachable.length },
    }, now);
  });
  return { emails: mails.length, people: new Set(mails.map((m) => m.personId)).size, unreachable };
}
