/**
 * Triage on an incident (R5.3): answer the flowchart's questions (a new version), which puts the branches' steps on
 * the checklist; tick steps with who and when, skip them with a reason, reopen them. Ticking "disable the account"
 * disables the instigators' school accounts through the directory.
 */
import { appendAudit } from '../platform/audit.ts';
import type { ServiceContext } from '../platform/context.ts';
import type { Db } from '../platform/db.ts';
import { badRequest, notFound } from '../platform/errors.ts';
import { updatePerson } from '../directory/index.ts';
import { guarded } from './access.ts';
import { categoryOf } from './categories.ts';
import { getMatrix } from './sanctions.ts';
import { incidentForModule } from './service.ts';
import { appendIncidentHistory, currentVersion, getIncidentRow, insertStepEvent, insertVersion, newId, stepsOf, type Version } from './store.ts';
import { BRANCH_LABELS, questionsToAsk, stepsFor, TRIAGE_BRANCHES, TRIAGE_QUESTIONS } from './triage.ts';

const inTx = <T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> => (db.isTransaction ? fn(db) : db.transaction().execute(fn));

/** What the record already says, as suggested answers (the person answering confirms or changes them). */
export function suggestedAnswers(v: Pick<Version, 'category' | 'people'>): Record<string, string> {
  const out: Record<string, string> = {};
  if (categoryOf(v.category)?.illegal) out.illegal = 'yes';
  const pupils = v.people.filter((p) => p.kind === 'pupil');
  const victim = pupils.some((p) => p.part === 'victim');
  const instigator = pupils.some((p) => p.part === 'instigator');
  out.pupil_role = victim && instigator ? 'both' : victim ? 'victim' : instigator ? 'instigator' : pupils.length ? '' : 'none';
  if (!out.pupil_role) delete out.pupil_role;
  out.staff_involved = v.people.some((p) => p.kind === 'staff' && p.part !== 'victim') ? 'yes' : 'no';
  return out;
}

/** The triage questions and branches, for the incident page. */
export function triageDefinition() {
  return { questions: TRIAGE_QUESTIONS, branches: TRIAGE_BRANCHES.map((b) => ({ key: b.key, label: b.label })) };
}

/**
 * Records the answers to the triage questions and brings the checklist in line: new steps added, steps of branches
 * that no longer apply withdrawn (kept in the history), withdrawn ones that apply again restored.
 */
export async function answerTriage(ctx: ServiceContext, id: string, input: { answers: Record<string, string>; sanctionType?: string | null }) {
  await incidentForModule(ctx, id, { forChange: true, action: 'triage' });
  return guarded(ctx, id, () => inTx(ctx.db, async (tx) => {
    const incident = (await getIncidentRow(tx, ctx.actor.schoolId, id))!;
    const current = await currentVersion(tx, id);
    const answers: Record<string, string> = {};
    for (const q of questionsToAsk(input.answers)) {
      const a = input.answers[q.key];
      if (a === undefined || a === '') throw badRequest(`Answer the question "${q.text}"`);
      if (!q.options.some((o) => o.value === a)) throw badRequest(`"${a}" is not an answer to "${q.text}". Choose one of: ${q.options.map((o) => o.label).join(', ')}.`);
      answers[q.key] = a;
    }
    if (categoryOf(current.category)?.illegal && answers.illegal !== 'yes') {
      throw badRequest(`The incident is recorded as "${categoryOf(current.category)!.label}", which is illegal. Answer yes to the first question, or correct the category first.`);
    }
    if (input.sanctionType) {
      const rows = [...(await getMatrix({ ...ctx, db: tx }, 'pupil')).rows, ...(await getMatrix({ ...ctx, db: tx }, 'staff')).rows];
      if (!rows.some((r) => r.key === input.sanctionType)) throw badRequest('That row is not in the school\'s sanctions matrix. Choose one from the list, or leave it empty.');
    }
    const now = ctx.clock.now();
    const wanted = stepsFor(answers);
    const existing = await stepsOf(tx, id);
    const added: string[] = [];
    for (const s of wanted) {
      const had = existing.find((e) => e.key === s.key);
      if (!had) {
        await tx.insertInto('incident_steps').values({ id: newId(), incident_id: id, school_id: ctx.actor.schoolId, key: s.key, branch: s.branch, label: s.label, guidance: s.guidance, who: s.who, required: s.required, created_at: now }).execute();
        added.push(s.label);
      } else if (had.state === 'withdrawn') {
        await insertStepEvent(tx, { stepId: had.id, incidentId: id, schoolId: ctx.actor.schoolId, action: 'restored', note: 'The triage answers need this step again', actor: ctx.actor, at: now });
      }
    }
    for (const e of existing) {
      if (e.state !== 'withdrawn' && !wanted.some((w) => w.key === e.key)) {
        await insertStepEvent(tx, { stepId: e.id, incidentId: id, schoolId: ctx.actor.schoolId, action: 'withdrawn', note: 'The triage answers no longer need this step', actor: ctx.actor, at: now });
      }
    }
    const branches = [...new Set(wanted.map((s) => s.branch))].map((b) => BRANCH_LABELS[b]);
    const note = `Triage answered: ${branches.join('; ')}`;
    const next: Version = { ...current, triage: answers, sanctionType: input.sanctionType === undefined ? current.sanctionType : input.sanctionType, version: current.version + 1, at: now, byId: ctx.actor.id, byLabel: ctx.actor.label, changeNote: note };
    await insertVersion(tx, incident.schoolId, next);
    await appendIncidentHistory(tx, ctx.actor, { incidentId: id, schoolId: incident.schoolId, action: 'incident.triaged', summary: note, details: { answers, added } }, now);
    await appendAudit(tx, ctx.actor, { action: 'incident.triaged', entityType: 'incident', entityId: id, details: { answers, stepsAdded: added.length } }, now);
    return { version: next.version, steps: (await stepsOf(tx, id)).map((s) => ({ key: s.key, label: s.label, required: s.required, state: s.state, branch: s.branch })) };
  }));
}

export type StepAction = 'complete' | 'skip' | 'reopen';

/**
 * Ticks a step (with who and when), skips it (a reason is required) or reopens it. For "disable the account",
 * ticking disables the school accounts of `personIds` (by default the incident's instigators with an account).
 */
export async function actOnStep(ctx: ServiceContext, id: string, stepKey: string, input: { action: StepAction; note?: string; personIds?: string[] }) {
  const { incident, current } = await incidentForModule(ctx, id, { forChange: true, action: 'step' });
  const step = (await stepsOf(ctx.db, id)).find((s) => s.key === stepKey);
  if (!step) throw notFound('That step');
  const note = input.note?.trim() ?? '';
  if (step.state === 'withdrawn') throw badRequest('This step is no longer needed (the triage answers changed). Answer triage again if it should apply.');
  if (input.action === 'skip' && !note) throw badRequest('Give the reason for skipping this step. It is kept in the record.');
  if (input.action !== 'reopen' && step.state !== 'open') throw badRequest(`This step is already ${step.state === 'completed' ? 'done' : 'skipped'}. Reopen it first if it needs doing again.`);
  if (input.action === 'reopen' && step.state === 'open') throw badRequest('This step is already open.');
  const now = ctx.clock.now();
  const disabled: string[] = [];
  if (input.action === 'complete' && TRIAGE_BRANCHES.some((b) => b.steps.some((s) => s.key === stepKey && s.effect === 'disable_accounts'))) {
    const ids = input.personIds ?? current.people.filter((p) => p.part === 'instigator' && p.personId && (p.kind === 'pupil' || p.kind === 'staff')).map((p) => p.personId!);
    if (ids.length === 0) throw badRequest('No school account is named to disable: add the instigator to the people involved, or skip this step with the reason (for example "not a school account").');
    for (const pid of ids) {
      const p = await ctx.db.selectFrom('people').select(['id', 'given_name', 'family_name']).where('id', '=', pid).where('school_id', '=', ctx.actor.schoolId).executeTakeFirst();
      if (!p) throw badRequest('One of the accounts to disable is not in this school\'s directory.');
      // The directory's own change: disables the account, ends the person's sessions and audits it.
      // The triage step itself is the authority (restricted-incident access was checked above), so a staff instigator
      // is disabled whatever their roles.
      await updatePerson({ ...ctx, authority: 'system' }, pid, { status: 'disabled' });
      disabled.push(`${p.given_name} ${p.family_name}`);
    }
  }
  return guarded(ctx, id, () => inTx(ctx.db, async (tx) => {
    const action = input.action === 'complete' ? 'completed' : input.action === 'skip' ? 'skipped' : 'reopened';
    const fullNote = disabled.length ? `${note ? `${note}. ` : ''}Accounts disabled: ${disabled.join(', ')}` : note;
    await insertStepEvent(tx, { stepId: step.id, incidentId: id, schoolId: incident.schoolId, action, note: fullNote, actor: ctx.actor, at: now });
    const summary = `${action === 'completed' ? 'Done' : action === 'skipped' ? 'Skipped' : 'Reopened'}: ${step.label}${fullNote ? ` — ${fullNote}` : ''}`;
    await appendIncidentHistory(tx, ctx.actor, { incidentId: id, schoolId: incident.schoolId, action: `incident.step_${action}`, summary, details: { step: step.key, disabled } }, now);
    await appendAudit(tx, ctx.actor, { action: `incident.step_${action}`, entityType: 'incident', entityId: id, details: { step: step.key, note: fullNote } }, now);
    return { key: step.key, state: action === 'reopened' ? 'open' : action, by: ctx.actor.label, at: now.toISOString(), note: fullNote };
  }));
}
