import { test } from 'node:test';
import assert from 'node:assert/strict';
import { YEAR_GROUPS, type ImportPerson, type Role } from './types.ts';
import { asciiSlug, DEMO_EMAIL_DOMAIN, generateDemoSchool } from './demo-school.ts';
import { FAMOUS_NAME_BLOCKLIST } from './demo-names.ts';

// One generation shared by the read-only stories below; it is deterministic, so this is the school every demo shows.
const school = generateDemoSchool();
const holding = (role: Role): ImportPerson[] => school.people.filter((p) => p.roles.includes(role));
const pupils = holding('pupil');
const parents = holding('parent');
const staff = school.people.filter((p) => p.externalId.startsWith('S'));
const STAFF_ROLES: Role[] = [
  'headteacher', 'slt', 'dsl', 'deputy_dsl', 'online_safety_lead', 'network_manager', 'teacher', 'support_staff', 'dpo',
];

test('the demo school is the same every time, so screenshots and walkthroughs stay valid', () => {
  const again = generateDemoSchool();
  assert.deepEqual(again, school);
  assert.equal(JSON.stringify(again), JSON.stringify(school));
  assert.deepEqual(generateDemoSchool('osprey-demo'), school, 'the default seed is "osprey-demo"');
});

test('a different seed gives a different school of the same shape', () => {
  const other = generateDemoSchool('another-school');
  assert.notDeepEqual(other, school);
  assert.equal(other.schoolName, school.schoolName);
  assert.equal(other.people.filter((p) => p.roles.includes('dsl')).length, 1);
});

test('the register has about 1,200 pupils from Nursery to Year 11', () => {
  assert.ok(pupils.length >= 1100 && pupils.length <= 1300, `${pupils.length} pupils`);
  const perYear = new Map<string, number>();
  for (const p of pupils) perYear.set(p.yearGroup ?? 'none', (perYear.get(p.yearGroup ?? 'none') ?? 0) + 1);
  assert.deepEqual([...perYear.keys()].sort(), YEAR_GROUPS.slice(0, 13).map(String).sort(), 'Nursery…Year 11, no sixth form');
  for (const year of YEAR_GROUPS.slice(1, 13)) {
    const n = perYear.get(year) ?? 0;
    assert.ok(n >= 80 && n <= 115, `${year} has ${n} pupils`);
  }
  assert.ok((perYear.get('Nursery') ?? 0) < (perYear.get('Reception') ?? 0), 'Nursery is smaller');
});

test('every pupil is in exactly one class, and it belongs to their year group', () => {
  const yearOf = new Map(school.classes.map((c) => [c.name, c.yearGroup]));
  assert.equal(yearOf.size, school.classes.length, 'class names are unique');
  for (const p of pupils) {
    assert.equal(p.classes.length, 1, `${p.username} classes`);
    assert.equal(yearOf.get(p.classes[0]), p.yearGroup, `${p.username} is in ${p.classes[0]}`);
  }
  const used = new Set(pupils.map((p) => p.classes[0]));
  assert.equal(used.size, school.classes.length, 'no empty classes');
});

test('primary classes are named like "1 Oak" (2–3 a year), secondary forms like "7R" (3–4 a year)', () => {
  for (const year of YEAR_GROUPS.slice(0, 13)) {
    const names = school.classes.filter((c) => c.yearGroup === year).map((c) => c.name);
    const secondary = YEAR_GROUPS.indexOf(year) >= YEAR_GROUPS.indexOf('Year 7');
    const [min, max, pattern] = secondary ? [3, 4, /^(7|8|9|10|11)[A-Z]$/] : [2, 3, /^[NR1-6] [A-Z][a-z]+$/];
    assert.ok(names.length >= min && names.length <= max, `${year}: ${names.join(', ')}`);
    for (const name of names) assert.match(name, pattern);
  }
  assert.ok(school.classes.some((c) => c.name === '1 Oak'));
  assert.ok(school.classes.some((c) => c.name === '7R'));
});

test('every class has exactly one class teacher or form tutor', () => {
  for (const c of school.classes) {
    const teachers = staff.filter((s) => s.classes.includes(c.name));
    assert.equal(teachers.length, 1, `${c.name} has ${teachers.length} teachers`);
    assert.ok(teachers[0].roles.includes('teacher'));
  }
});

test('about 120 staff, each in one or two of the listed staff teams', () => {
  assert.ok(staff.length >= 100 && staff.length <= 140, `${staff.length} staff`);
  const teams = new Set(school.staffTeams);
  for (const s of staff) {
    assert.ok(s.staffTeams.length >= 1 && s.staffTeams.length <= 2, `${s.username}: ${s.staffTeams.join(', ')}`);
    for (const t of s.staffTeams) assert.ok(teams.has(t), `${t} is listed in staffTeams`);
    assert.ok(s.roles.some((r) => STAFF_ROLES.includes(r)), `${s.username} has a staff role`);
    assert.match(s.email ?? '', new RegExp(`^${s.username}@${DEMO_EMAIL_DOMAIN.replaceAll('.', '\\.')}$`));
  }
  for (const name of ['Senior Leadership Team', 'Safeguarding Team', 'Early Years', 'Computing', 'IT Support']) {
    assert.ok(teams.has(name), name);
  }
  assert.ok(holding('teacher').length >= 60, 'most staff posts are teaching posts');
  assert.ok(holding('support_staff').length >= 30, 'teaching assistants, office and site staff');
});

test('the R1.1 safeguarding and technical roles are each held by the right named people', () => {
  const [head] = holding('headteacher');
  assert.equal(holding('headteacher').length, 1);
  assert.ok(head.roles.includes('slt'));
  assert.ok(holding('slt').length >= 3 && holding('slt').length <= 8, 'a few SLT');

  assert.equal(holding('dsl').length, 1, 'exactly one DSL');
  assert.ok(holding('dsl')[0].roles.includes('slt'), 'the DSL sits on SLT');
  assert.equal(holding('deputy_dsl').length, 2, 'two deputy DSLs');
  assert.ok(holding('deputy_dsl').every((p) => !p.roles.includes('dsl')));

  assert.equal(holding('online_safety_lead').length, 1, 'exactly one Online Safety Lead');
  assert.ok(holding('online_safety_lead')[0].roles.includes('teacher'), 'the Online Safety Lead teaches');

  assert.equal(holding('network_manager').length, 2, 'a network manager and a technician');
  assert.equal(holding('dpo').length, 1, 'one Data Protection Officer');
  assert.ok(holding('administrator').length >= 2, 'R1.5: at least two administrators');
  assert.ok(holding('administrator').some((p) => p.roles.includes('network_manager')));
  for (const p of [...holding('dsl'), ...holding('deputy_dsl'), ...holding('online_safety_lead')]) {
    assert.ok(p.staffTeams.includes('Safeguarding Team'), `${p.username} is in the Safeguarding Team`);
  }
});

test('about ten governors, exactly one of them the online safety governor', () => {
  const governors = holding('governor');
  assert.ok(governors.length >= 8 && governors.length <= 12, `${governors.length} governors`);
  assert.equal(holding('online_safety_governor').length, 1);
  assert.ok(holding('online_safety_governor')[0].roles.includes('governor'));
  assert.ok(holding('volunteer').length >= 2, 'a few volunteers');
});

test('governors, volunteers and parents belong to no class and no staff team', () => {
  for (const p of [...holding('governor'), ...holding('volunteer'), ...parents]) {
    assert.deepEqual(p.classes, [], `${p.username} classes`);
    assert.deepEqual(p.staffTeams, [], `${p.username} teams`);
  }
  for (const p of pupils) assert.deepEqual(p.staffTeams, []);
});

test("every parent's children are pupils at the school, and every pupil has a parent or carer", () => {
  const pupilIds = new Set(pupils.map((p) => p.externalId));
  const withParent = new Set<string>();
  for (const p of parents) {
    assert.ok(p.childExternalIds.length >= 1, `${p.username} has children`);
    for (const id of p.childExternalIds) {
      assert.ok(pupilIds.has(id), `${p.username}'s child ${id} exists`);
      withParent.add(id);
    }
  }
  assert.equal(withParent.size, pupils.length);
  for (const p of school.people) if (!p.roles.includes('parent')) assert.deepEqual(p.childExternalIds, []);
});

test('families: one or two carers each, about 15% of pupils have a sibling here, siblings share parents', () => {
  const carersOf = new Map<string, ImportPerson[]>();
  for (const p of parents) for (const id of p.childExternalIds) carersOf.set(id, [...(carersOf.get(id) ?? []), p]);
  for (const [id, carers] of carersOf) assert.ok(carers.length <= 2, `${id} has ${carers.length} carers`);

  const siblings = new Set(parents.filter((p) => p.childExternalIds.length > 1).flatMap((p) => p.childExternalIds));
  const share = siblings.size / pupils.length;
  assert.ok(share >= 0.1 && share <= 0.2, `${(share * 100).toFixed(1)}% of pupils have a sibling`);

  const byId = new Map(pupils.map((p) => [p.externalId, p]));
  const families = parents.filter((p) => p.childExternalIds.length > 1).map((p) => p.childExternalIds.map((id) => byId.get(id)));
  const sameName = families.filter((kids) => new Set(kids.map((k) => k?.familyName)).size === 1).length;
  assert.ok(sameName / families.length >= 0.8, 'siblings mostly share a family name');
  assert.ok(parents.length >= 1500 && parents.length <= 1900, `${parents.length} parents`);
});

test('usernames and external ids are unique, and usernames are lower-case ASCII', () => {
  const usernames = new Set(school.people.map((p) => p.username));
  const ids = new Set(school.people.map((p) => p.externalId));
  assert.equal(usernames.size, school.people.length, 'usernames are unique');
  assert.equal(ids.size, school.people.length, 'externalIds are unique');
  for (const p of school.people) assert.match(p.username, /^[a-z0-9]+(\.[a-z0-9]+)+$/, p.username);

  for (const p of pupils) assert.match(p.externalId, /^P\d{6}$/);
  for (const p of staff) assert.match(p.username, /^[a-z]\.[a-z]+\d*$/);
  for (const p of parents) {
    assert.match(p.externalId, /^C\d{5}$/);
    assert.match(p.username, /^p\.[a-z]+\.[a-z]+\d*$/);
  }
  for (const p of holding('governor')) assert.match(p.externalId, /^G\d{4}$/);
  for (const p of staff) assert.match(p.externalId, /^S\d{4}$/);
  assert.ok(pupils.some((p) => /^[a-z]+\.[a-z]+\d{2}$/.test(p.username)), 'pupils look like amira.khan23');
});

test('names with accents and apostrophes become plain usernames', () => {
  assert.equal(asciiSlug("O'Brien"), 'obrien');
  assert.equal(asciiSlug('Ó Súilleabháin'), 'osuilleabhain');
  assert.equal(asciiSlug('Łukasz Woźniak'), 'lukaszwozniak');
  assert.equal(asciiSlug('Yılmaz'), 'yilmaz');
  assert.equal(asciiSlug('Dela Cruz'), 'delacruz');
  assert.ok(school.people.some((p) => p.familyName !== p.familyName.normalize('NFD')), 'some names carry accents');
});

test('e-mail addresses can never reach a real mailbox (RFC 2606 domains only) and are unique', () => {
  const emails = school.people.flatMap((p) => (p.email ? [p.email] : []));
  assert.equal(new Set(emails).size, emails.length);
  for (const e of emails) assert.match(e, /^[a-z0-9.]+@(larkhaven\.example|example\.com|example\.org)$/, e);
  assert.ok(parents.filter((p) => p.email).length / parents.length > 0.8, 'most parents have an e-mail');
});

test('names are invented: nobody is called after a famous person on the blocklist', () => {
  for (const p of school.people) {
    assert.ok(!FAMOUS_NAME_BLOCKLIST.has(`${asciiSlug(p.givenName)} ${asciiSlug(p.familyName)}`), p.username);
  }
  assert.ok(new Set(school.people.map((p) => p.familyName)).size > 200, 'a varied set of family names');
});

test('the whole school is about 3,000 people, each traceable to a line of the demo source', () => {
  assert.ok(school.people.length >= 2700 && school.people.length <= 3300, `${school.people.length} people`);
  school.people.forEach((p, i) => assert.deepEqual(p.source, { file: 'demo', line: i + 1 }));
  assert.ok(school.schoolName.length > 0);
});
