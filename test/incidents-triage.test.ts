/**
 * Guided triage (R5.3) and the sanctions matrix (R5.5): each branch of the policy's flowcharts puts the right steps on
 * the checklist (illegal, staff involved, pupil as victim, pupil as instigator); an incident cannot close with a
 * required step open unless it was skipped with a reason; ticking "disable the account" really disables it in the
 * directory; the matrix suggests the school's responses, more of them when the pupil has done it before.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Role } from '../src/directory/types.ts';
import { getMatrix, setMatrix, suggestSanctions } from '../src/incidents/sanctions.ts';
import { getIncident, reportIncident, setStatus, type ReportInput } from '../src/incidents/service.ts';
import { actOnStep, answerTriage } from '../src/incidents/triage-service.ts';
import type { ServiceContext } from '../src/platform/context.ts';
import { createTestApp, type TestApp } from './helpers/app.ts';

describe('triage following the flowcharts, and the sanctions matrix', () => {
  let t: TestApp;
  const ids = {} as Record<string, string>;
  const ctx = {} as Record<string, ServiceContext>;

  before(async () => {
    t = await createTestApp();
    const people: Array<[string, Role[], string?]> = [['dsl', ['dsl']], ['teacher', ['teacher']], ['maths', ['teacher']], ['head', ['headteacher']], ['amy', ['pupil'], 'Year 8'], ['ben', ['pupil'], 'Year 8'], ['cal', ['pupil'], 'Year 9']];
    for (const [name, roles, yearGroup] of people) {
      ids[name] = (await t.makePerson(roles, { username: name, yearGroup })).id;
      ctx[name] = { db: t.db, clock: t.clock, actor: { id: ids[name], label: name, schoolId: t.school.id } };
    }
  });
  after(async () => { await t.close(); });

  const report = (who: string, input: Partial<ReportInput> & Pick<ReportInput, 'category'>) =>
    reportIncident(ctx[who], { occurredAt: t.clock.now().toISOString(), description: 'What the member of staff saw', location: 'in_school', ...input });
  const stepsOf = async (id: string) => {
    const v = await getIncident(ctx.dsl, id);
    assert.equal(v.view, 'full');
    return v.view === 'full' ? v.steps : [];
  };
  const keys = (steps: Array<{ key: string; required: boolean; state: string }>) => steps.filter((s) => s.state !== 'withdrawn').map((s) => `${s.key}${s.required ? '' : '?'}`).sort();

  it('illegal branch: police, CEOP/IWF referral, do not view, secure the device, disable the account (really), inform the DSL', async () => {
    const { id } = await report('teacher', { category: 'grooming', description: 'A pupil showed me messages from an adult asking to meet.', people: [{ personId: ids.cal, kind: 'pupil', part: 'instigator' }] });
    const wrong = answerTriage(ctx.dsl, id, { answers: { illegal: 'no', staff_involved: 'no', pupil_role: 'instigator', serious: 'yes' } });
    await assert.rejects(wrong, /illegal/, 'grooming cannot be triaged as not illegal');
    await answerTriage(ctx.dsl, id, { answers: { illegal: 'yes', staff_involved: 'no', pupil_role: 'instigator', serious: 'yes' } });
    const steps = await stepsOf(id);
    for (const k of ['report_police', 'referral_ceop_iwf', 'do_not_view', 'secure_device', 'disable_account', 'inform_dsl', 'keep_evidence']) {
      assert.ok(steps.find((s) => s.key === k && s.required && s.branch !== 'x'), `${k} is a required step`);
    }
    assert.ok(!steps.some((s) => s.key === 'contact_lado'), 'no LADO without staff involved');
    const view = await getIncident(ctx.dsl, id);
    assert.ok(view.view === 'full' && view.current.classification === 'restricted', 'illegal incidents are always restricted');

    // Ticking the step disables the pupil's account in the directory.
    const done = await actOnStep(ctx.dsl, id, 'disable_account', { action: 'complete', note: 'Network manager told' });
    assert.match(done.note, /Accounts disabled: Test pupil/);
    const cal = await t.db.selectFrom('people').select('status').where('id', '=', ids.cal).executeTakeFirstOrThrow();
    assert.equal(cal.status, 'disabled');
    const changed = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'person.updated').where('entity_id', '=', ids.cal).execute();
    assert.equal(changed.length, 1, 'the directory recorded the change itself');

    // Not closable while steps are open; a skipped step needs a reason.
    await assert.rejects(setStatus(ctx.dsl, id, { status: 'closed', outcome: 'Referred' }), /not done yet: .*Report to the police/);
    await assert.rejects(actOnStep(ctx.dsl, id, 'referral_ceop_iwf', { action: 'skip' }), /reason/);
    await actOnStep(ctx.dsl, id, 'referral_ceop_iwf', { action: 'skip', note: 'The police made the CEOP referral themselves' });
    await actOnStep(ctx.dsl, id, 'report_police', { action: 'complete', note: 'Police reference 4521' });
    // The pupil-as-instigator steps are on the list too (the flowcharts combine); tick the rest.
    for (const st of (await stepsOf(id)).filter((x) => x.required && x.state === 'open')) await actOnStep(ctx.dsl, id, st.key, { action: 'complete' });
    const closed = await setStatus(ctx.dsl, id, { status: 'closed', outcome: 'Referred to the police; pupil supported' });
    assert.equal(closed.status, 'closed');
    const final = await stepsOf(id);
    const skipped = final.find((s) => s.key === 'referral_ceop_iwf')!;
    assert.equal(skipped.state, 'skipped');
    assert.equal(skipped.note, 'The police made the CEOP referral themselves');
    const police = final.find((s) => s.key === 'report_police')!;
    assert.equal(police.by, 'dsl');
    assert.ok(police.at, 'who and when are recorded');
  });

  it('staff-involved branch: a member of staff who may pose a risk to a child → LADO (and with illegal material too)', async () => {
    const { id } = await report('head', { category: 'staff_pupil_contact', description: 'A member of staff has been messaging a pupil on a personal account late at night.', people: [{ personId: ids.maths, kind: 'staff', part: 'instigator' }, { personId: ids.amy, kind: 'pupil', part: 'victim' }] });
    const v = await getIncident(ctx.dsl, id);
    assert.ok(v.view === 'full');
    await answerTriage(ctx.dsl, id, { answers: { illegal: 'no', staff_involved: 'yes', staff_risk: 'yes', pupil_role: 'victim', serious: 'yes' } });
    const steps = keys(await stepsOf(id));
    assert.ok(steps.includes('contact_lado'), steps.join(','));
    assert.ok(steps.includes('inform_headteacher'));
    assert.ok(!steps.includes('staff_disciplinary'), 'the LADO branch replaces the school\'s own procedure');
    // Answering that there is no risk to children withdraws the LADO steps and brings in the conduct branch.
    await answerTriage(ctx.dsl, id, { answers: { illegal: 'no', staff_involved: 'yes', staff_risk: 'no', pupil_role: 'victim', serious: 'yes' } });
    const after = await stepsOf(id);
    assert.equal(after.find((s) => s.key === 'contact_lado')!.state, 'withdrawn');
    assert.ok(keys(after).includes('review_accidental') && keys(after).includes('staff_disciplinary'));
    // The question about risk must be answered when staff are involved.
    await assert.rejects(answerTriage(ctx.dsl, id, { answers: { illegal: 'no', staff_involved: 'yes', pupil_role: 'none' } }), /Answer the question "Has the member of staff harmed a child/);

    const illegal = await report('head', { category: 'child_abuse_images', description: 'Indecent images reported on a staff laptop.', people: [{ personId: ids.maths, kind: 'staff', part: 'instigator' }] });
    await answerTriage(ctx.dsl, illegal.id, { answers: { illegal: 'yes', staff_involved: 'yes', staff_risk: 'yes', pupil_role: 'none' } });
    const s2 = keys(await stepsOf(illegal.id));
    for (const k of ['contact_lado', 'report_police', 'do_not_view', 'disable_account']) assert.ok(s2.includes(k), `${k} in ${s2.join(',')}`);
  });

  it('pupil-as-victim branch: support in school; parents and DSL told when serious', async () => {
    const { id } = await report('teacher', { category: 'bullying', description: 'Amy is being called names in a group chat.', people: [{ personId: ids.amy, kind: 'pupil', part: 'victim' }] });
    await answerTriage(ctx.dsl, id, { answers: { illegal: 'no', staff_involved: 'no', pupil_role: 'victim', serious: 'no' } });
    assert.deepEqual(keys(await stepsOf(id)), ['confiscate_device?', 'inform_parents_optional?', 'keep_evidence', 'support_pupil']);
    await answerTriage(ctx.dsl, id, { answers: { illegal: 'no', staff_involved: 'no', pupil_role: 'victim', serious: 'yes' } });
    assert.deepEqual(keys(await stepsOf(id)), ['confiscate_device?', 'inform_dsl', 'inform_parents', 'keep_evidence', 'support_pupil']);
    // Optional steps do not hold up closing.
    for (const k of ['inform_dsl', 'inform_parents', 'keep_evidence', 'support_pupil']) await actOnStep(ctx.dsl, id, k, { action: 'complete' });
    assert.equal((await setStatus(ctx.dsl, id, { status: 'closed', outcome: 'Supported by form tutor' })).status, 'closed');
  });

  it('pupil-as-instigator branch: other pupils, sanctions from the matrix, suggested responses escalate on a repeat', async () => {
    const first = await report('teacher', { category: 'online_gaming', description: 'Ben playing games in a maths lesson.', people: [{ personId: ids.ben, kind: 'pupil', part: 'instigator' }] });
    await answerTriage(ctx.dsl, first.id, { answers: { illegal: 'no', staff_involved: 'no', pupil_role: 'instigator', serious: 'no' } });
    assert.deepEqual(keys(await stepsOf(first.id)), ['decide_sanctions', 'inform_parents_optional?', 'keep_evidence', 'other_pupils', 'remove_material?', 'review_procedures?']);
    const once = (await suggestSanctions(ctx.dsl, first.id))[0];
    assert.equal(once.typeKey, 'non_educational_sites');
    assert.equal(once.repeat, false);
    assert.deepEqual(once.responses.map((r) => r.key), ['class_teacher', 'technical_staff', 'warning']);

    t.clock.advance(7 * 24 * 3600_000);
    const second = await report('teacher', { category: 'online_gaming', description: 'Ben on a games site again in a lesson.', people: [{ personId: ids.ben, kind: 'pupil', part: 'instigator' }] });
    const again = (await suggestSanctions(ctx.dsl, second.id))[0];
    assert.equal(again.repeat, true);
    assert.equal(again.earlierIncidents.length, 1);
    assert.ok((await t.db.selectFrom('audit_log').select('seq').where('action', '=', 'incident.sanctions_viewed').where('entity_id', '=', second.id).execute()).length >= 1, 'reading suggestions is audited');
    assert.deepEqual(again.responses.map((r) => `${r.key}${r.escalated ? '*' : ''}`), ['class_teacher', 'head_of_year*', 'headteacher*', 'technical_staff', 'remove_access*', 'warning', 'further_sanction*']);
    // The earlier incident still suggests the first-time responses: what came later does not count against it.
    assert.equal((await suggestSanctions(ctx.dsl, first.id))[0].repeat, false);
    // During triage the DSL can choose another row of the matrix; suggestions follow it.
    await answerTriage(ctx.dsl, second.id, { answers: { illegal: 'no', staff_involved: 'no', pupil_role: 'instigator', serious: 'yes' }, sanctionType: 'subvert_filtering' });
    const chosen = (await suggestSanctions(ctx.dsl, second.id))[0];
    assert.equal(chosen.typeKey, 'subvert_filtering');
    assert.ok(chosen.responses.some((r) => r.key === 'inform_parents'));
    await assert.rejects(answerTriage(ctx.dsl, second.id, { answers: { illegal: 'no', staff_involved: 'no', pupil_role: 'instigator', serious: 'yes' }, sanctionType: 'made_up' }), /not in the school's sanctions matrix/);
  });

  it('the school edits its matrix; suggestions follow it; a bad table is refused; defaults can be put back', async () => {
    const matrix = await getMatrix(ctx.dsl, 'pupil');
    assert.equal(matrix.isDefault, true);
    const row = matrix.rows.find((r) => r.key === 'non_educational_sites')!;
    row.responses = { ...row.responses, inform_parents: 'always' };
    await setMatrix(ctx.dsl, 'pupil', { rows: matrix.rows });
    const { id } = await report('teacher', { category: 'online_gambling', description: 'Cal on a betting site.', people: [{ personId: ids.amy, kind: 'pupil', part: 'instigator' }] });
    const s = (await suggestSanctions(ctx.dsl, id))[0];
    assert.ok(s.responses.some((r) => r.key === 'inform_parents' && !r.escalated), 'the school\'s own choice is suggested');
    await assert.rejects(setMatrix(ctx.dsl, 'pupil', { rows: [{ key: 'x', label: 'Something', responses: { detention_forever: 'always' } }] }), /not a response/);
    await assert.rejects(setMatrix(ctx.dsl, 'pupil', { rows: [{ key: 'a', label: 'Same', responses: {} }, { key: 'a', label: 'Same', responses: {} }] }), /twice/);
    const audit = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'sanctions.changed').execute();
    assert.equal(audit.length, 1);
    const reset = await setMatrix(ctx.dsl, 'pupil', { reset: true });
    assert.equal(reset.rows.find((r) => r.key === 'non_educational_sites')!.responses.inform_parents, undefined);
    // Through the API, only sanctions.manage may change it.
    const teacher = await t.logIn('teacher');
    assert.equal((await t.as(teacher, 'PUT', '/api/sanctions/pupil', { reset: true })).statusCode, 403);
  });
});

describe('the flowchart data itself', () => {
  it('every condition names a real question and one of its answers; every branch can be reached', async () => {
    const { TRIAGE_BRANCHES, TRIAGE_QUESTIONS, stepsFor } = await import('../src/incidents/triage.ts');
    const questions = new Map(TRIAGE_QUESTIONS.map((q) => [q.key, new Set(q.options.map((o) => o.value))]));
    for (const b of TRIAGE_BRANCHES) {
      for (const c of b.when.all) {
        assert.ok(questions.has(c.question), `${b.key} asks about an unknown question ${c.question}`);
        for (const v of c.in) assert.ok(questions.get(c.question)!.has(v), `${b.key}: ${c.question} has no answer ${v}`);
      }
      // The branch's own condition, as answers, brings in its steps.
      const answers = Object.fromEntries(b.when.all.map((c) => [c.question, c.in[0]]));
      const keys = stepsFor(answers).map((s) => s.key);
      for (const s of b.steps) assert.ok(keys.includes(s.key), `${b.key}: ${s.key} is reachable`);
    }
    const { INCIDENT_CATEGORIES } = await import('../src/incidents/categories.ts');
    const { DEFAULT_SANCTIONS } = await import('../src/incidents/sanctions-defaults.ts');
    for (const c of INCIDENT_CATEGORIES) {
      if (c.pupilSanction) assert.ok(DEFAULT_SANCTIONS.pupil.some((r) => r.key === c.pupilSanction), `${c.key} → pupil row ${c.pupilSanction}`);
      if (c.staffSanction) assert.ok(DEFAULT_SANCTIONS.staff.some((r) => r.key === c.staffSanction), `${c.key} → staff row ${c.staffSanction}`);
    }
    assert.deepEqual(INCIDENT_CATEGORIES.filter((c) => c.illegal).map((c) => c.key).sort(), ['child_abuse_images', 'criminally_racist', 'extreme_pornography', 'grooming', 'terrorism_extremism']);
  });
});
