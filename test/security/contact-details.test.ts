/**
 * Issue 13, item 14: families' personal e-mail addresses are for the roles that need them. A teacher could list every
 * parent's address school-wide through the directory; now a teacher sees only the parents of pupils in their own
 * classes, while the office, the safeguarding leads and the headteacher see them all. Staff and pupils' school
 * addresses stay visible to anyone who may read the directory.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addMembers, ensureGroup } from '../../src/directory/store.ts';
import { createTestApp, type Session, type TestApp } from '../helpers/app.ts';

describe('who sees families\' e-mail addresses', () => {
  let t: TestApp;
  let teacher: Session;
  let otherTeacher: Session;
  let office: Session;
  let dsl: Session;
  const ids: Record<string, string> = {};
  const emails: Record<string, string> = {
    ownParent: 'rosa.fernandes@example.net',
    otherParent: 'dev.patel@example.org',
    volunteer: 'sam.okafor@example.com',
    colleague: 'h.price@school.example.sch.uk',
  };

  before(async () => {
    t = await createTestApp();
    const person = async (key: string, roles: Parameters<TestApp['makePerson']>[0], yearGroup?: string) => {
      const p = await t.makePerson(roles, { username: key.toLowerCase(), yearGroup });
      ids[key] = p.id;
      if (emails[key]) await t.db.updateTable('people').set({ email: emails[key] }).where('id', '=', p.id).execute();
      return p;
    };
    const teacherP = await person('teacher', ['teacher']);
    const otherTeacherP = await person('otherTeacher', ['teacher']);
    const officeP = await person('office', ['support_staff']);
    const dslP = await person('dsl', ['dsl']);
    await person('colleague', ['teacher']);
    await person('ownPupil', ['pupil'], 'Year 5');
    await person('otherPupil', ['pupil'], 'Year 5');
    await person('ownParent', ['parent']);
    await person('otherParent', ['parent']);
    await person('volunteer', ['volunteer']);
    await t.db.insertInto('parent_links').values([
      { school_id: t.school.id, parent_id: ids.ownParent, pupil_id: ids.ownPupil },
      { school_id: t.school.id, parent_id: ids.otherParent, pupil_id: ids.otherPupil },
    ]).execute();
    const kingfishers = await ensureGroup(t.db, t.school.id, 'class', '5 Kingfishers', t.clock.now());
    const herons = await ensureGroup(t.db, t.school.id, 'class', '5 Herons', t.clock.now());
    await addMembers(t.db, t.school.id, kingfishers, [ids.teacher, ids.ownPupil]);
    await addMembers(t.db, t.school.id, herons, [ids.otherTeacher, ids.otherPupil]);
    teacher = await t.logIn(teacherP.username);
    otherTeacher = await t.logIn(otherTeacherP.username);
    office = await t.logIn(officeP.username);
    dsl = await t.logIn(dslP.username);
  });
  after(async () => { await t.close(); });

  const listed = async (who: Session, query = '') => {
    const res = await t.as(who, 'GET', `/api/people?limit=200${query}`);
    assert.equal(res.statusCode, 200, res.body);
    return new Map((res.json().people as Array<{ id: string; email: string | null; emailHidden?: boolean }>).map((p) => [p.id, p]));
  };

  it('a teacher listing parents school-wide gets no address but their own class\'s parents\'', async () => {
    const people = await listed(teacher, '&role=parent');
    assert.equal(people.get(ids.otherParent)?.email, null, 'another class\'s parent\'s address is not shown');
    assert.equal(people.get(ids.otherParent)?.emailHidden, true, 'the page can say the address is not shown to them');
    assert.equal(people.get(ids.ownParent)?.email, emails.ownParent, 'the parent of a pupil in their own class is shown');
    const all = await t.as(teacher, 'GET', '/api/people?limit=200');
    assert.doesNotMatch(all.body, /dev\.patel|sam\.okafor/, 'no other family\'s or volunteer\'s address anywhere in the answer');
  });

  it('the other class\'s teacher sees the other way round, and nobody\'s volunteer address', async () => {
    const people = await listed(otherTeacher);
    assert.equal(people.get(ids.otherParent)?.email, emails.otherParent);
    assert.equal(people.get(ids.ownParent)?.email, null);
    assert.equal(people.get(ids.volunteer)?.email, null);
  });

  it('opening one parent\'s page gives a teacher no more than the list does', async () => {
    const page = await t.as(teacher, 'GET', `/api/people/${ids.otherParent}`);
    assert.equal(page.statusCode, 200, page.body);
    assert.equal(page.json().person.email, null);
    assert.equal(page.json().person.emailHidden, true);
    assert.doesNotMatch(page.body, /dev\.patel/);
  });

  it('staff addresses stay visible to colleagues', async () => {
    const people = await listed(teacher);
    assert.equal(people.get(ids.colleague)?.email, emails.colleague);
    assert.equal(people.get(ids.colleague)?.emailHidden, undefined);
  });

  it('the office and the DSL see every family\'s and volunteer\'s address', async () => {
    for (const who of [office, dsl]) {
      const people = await listed(who);
      assert.equal(people.get(ids.ownParent)?.email, emails.ownParent);
      assert.equal(people.get(ids.otherParent)?.email, emails.otherParent);
      assert.equal(people.get(ids.volunteer)?.email, emails.volunteer);
    }
  });
});
