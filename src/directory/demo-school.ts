/**
 * A realistic, invented all-through school (Nursery to Year 11) as plain import data, so `osprey demo` can load it
 * through the same path as an MIS import and every screen has believable people, classes, teams and families.
 *
 * Deterministic: everything is drawn from a seeded PRNG (sfc32 over a cyrb128 hash of the seed), never from
 * Math.random or the clock, and sorting compares plain ASCII keys rather than locale collation, so the same seed
 * gives byte-identical output on any machine.
 */
import { YEAR_GROUPS, type ImportPerson, type Role, type YearGroup } from './types.ts';
import { FAMOUS_NAME_BLOCKLIST, NAME_POOLS, type NamePool } from './demo-names.ts';

export interface DemoSchool {
  schoolName: string;
  people: ImportPerson[];
  /** Names of the staff teams used, in a stable order. */
  staffTeams: string[];
  classes: { name: string; yearGroup: string }[];
}

/** Invented name; searched to avoid a real school of this name. */
export const DEMO_SCHOOL_NAME = 'Larkhaven All-Through Academy';
/** `.example` is reserved by RFC 2606, so demo addresses can never reach a real mailbox. */
export const DEMO_EMAIL_DOMAIN = 'larkhaven.example';
/** Fixed academic year (2025/26) used for pupils' entry years: taking it from the clock would break determinism. */
const ACADEMIC_YEAR_START = 2025;

// ---------------------------------------------------------------------------------------------- seeded randomness

/** cyrb128: spreads a short string over 128 bits of state for sfc32. */
function hashSeed(seed: string): [number, number, number, number] {
  let h1 = 1779033703, h2 = 3144134277, h3 = 1013904242, h4 = 2773480762;
  for (let i = 0; i < seed.length; i++) {
    const k = seed.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4; h2 ^= h1; h3 ^= h1; h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

class Rng {
  private a: number; private b: number; private c: number; private d: number;
  constructor(seed: string) {
    [this.a, this.b, this.c, this.d] = hashSeed(seed);
    for (let i = 0; i < 12; i++) this.next(); // sfc32 needs a few rounds to mix similar seeds apart
  }
  /** sfc32: uniform in [0, 1). */
  next(): number {
    this.a >>>= 0; this.b >>>= 0; this.c >>>= 0; this.d >>>= 0;
    let t = (this.a + this.b) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.d = (this.d + 1) | 0;
    t = (t + this.d) | 0;
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }
  int(n: number): number { return Math.floor(this.next() * n); }
  chance(p: number): boolean { return this.next() < p; }
  pick<T>(items: readonly T[]): T { return items[this.int(items.length)]; }
  weighted<T>(items: readonly T[], weight: (item: T) => number): T {
    let r = this.next() * items.reduce((sum, item) => sum + weight(item), 0);
    for (const item of items) if ((r -= weight(item)) < 0) return item;
    return items[items.length - 1];
  }
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------- names and usernames

const NON_DECOMPOSING: Record<string, string> = { ł: 'l', ø: 'o', æ: 'ae', ß: 'ss', đ: 'd', ı: 'i', œ: 'oe' };

/** Folded names are compared thousands of times while sorting; `normalize` is slow enough to be worth caching. */
const slugCache = new Map<string, string>();

/** Lower-case ASCII letters and digits only: "Ó Súilleabháin" → "osuilleabhain", "O'Brien" → "obrien". */
export function asciiSlug(text: string): string {
  let folded = slugCache.get(text);
  if (folded === undefined) {
    folded = text.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '')
      .replace(/[łøæßđıœ]/g, (c) => NON_DECOMPOSING[c]).replace(/[^a-z0-9]/g, '');
    slugCache.set(text, folded);
  }
  return folded;
}

/** Compare by folded name so sorting never depends on the runtime's locale data. */
function byName(a: Name, b: Name): number {
  const ka = `${asciiSlug(a.familyName)} ${asciiSlug(a.givenName)}`;
  const kb = `${asciiSlug(b.familyName)} ${asciiSlug(b.givenName)}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** Hands out usernames (or e-mail addresses) once each across the whole school. */
class Registry {
  private taken = new Set<string>();
  /** The first free candidate: `make(1)` is the plain form, `make(2)`, `make(3)`… add a de-duplicating suffix. */
  claim(make: (n: number) => string): string {
    let n = 1;
    while (this.taken.has(make(n))) n++;
    const value = make(n);
    this.taken.add(value);
    return value;
  }
}
/** "a.khan", "a.khan2", "a.khan3"… */
const numbered = (base: string) => (n: number): string => (n === 1 ? base : base + n);
/** Pupils' names already end in digits (entry year), so a letter keeps "amira.khan23b" readable. */
const lettered = (base: string) => (n: number): string =>
  n === 1 ? base : base + (n <= 26 ? String.fromCharCode(96 + n) : String(n));

interface Name { givenName: string; familyName: string }

/**
 * Draws names, preferring full names not yet used anywhere in the school (random pairing alone gives four parents
 * called Helen Dixon, which looks fake), never repeating a sibling's name and never spelling a famous person.
 */
class NameDrawer {
  private used = new Set<string>();
  private rng: Rng;
  constructor(rng: Rng) { this.rng = rng; }

  pool(): NamePool { return this.rng.weighted(NAME_POOLS, (p) => p.weight); }

  given(pool: NamePool, adult: boolean, familyName: string, siblings: ReadonlySet<string> = new Set()): string {
    for (let attempt = 0; ; attempt++) {
      // Most names come from the family's own heritage; some from the English pool, as in many British families.
      const from = this.rng.chance(adult ? 0.9 : 0.8) ? pool : NAME_POOLS[0];
      const given = this.rng.pick(adult ? from.adultGiven : from.childGiven);
      const key = `${asciiSlug(given)} ${asciiSlug(familyName)}`;
      const fresh = attempt >= 20 || !this.used.has(key); // a rare repeat is realistic; give up looking after a while
      if ((fresh && !FAMOUS_NAME_BLOCKLIST.has(key) && !siblings.has(given)) || attempt > 60) {
        this.used.add(key);
        return given;
      }
    }
  }

  adult(pool = this.pool(), familyName = this.rng.pick(pool.family)): Name {
    return { givenName: this.given(pool, true, familyName), familyName };
  }
}

// ---------------------------------------------------------------------------------------------- school structure

interface YearPlan { year: YearGroup; classes: string[]; size: number }

/**
 * Primary classes are named after trees ("1 Oak"), one set per year so every class name is distinct in search;
 * secondary forms are year + house letter ("7R"), houses being Ravens, Swifts, Terns and Wrens.
 */
function planYears(rng: Rng): YearPlan[] {
  const trees: Record<string, string[]> = {
    Nursery: ['Acorn', 'Conker'], Reception: ['Hazel', 'Holly', 'Rowan'],
    'Year 1': ['Oak', 'Ash', 'Elm'], 'Year 2': ['Birch', 'Beech', 'Larch'], 'Year 3': ['Willow', 'Cedar', 'Maple'],
    'Year 4': ['Alder', 'Yew', 'Pine'], 'Year 5': ['Poplar', 'Aspen', 'Juniper'],
    'Year 6': ['Hawthorn', 'Sycamore', 'Chestnut'],
  };
  const plans: YearPlan[] = [];
  for (const year of YEAR_GROUPS.slice(0, 13)) {
    const jitter = rng.int(7) - 3; // a few places either side, so year groups are not suspiciously round
    if (trees[year]) {
      const prefix = year === 'Nursery' ? 'N' : year === 'Reception' ? 'R' : year.slice(5);
      const size = year === 'Nursery' ? 50 + jitter : 88 + jitter; // part-time Nursery is smaller
      plans.push({ year, size, classes: trees[year].map((t) => `${prefix} ${t}`) });
    } else {
      // The school takes an extra form of entry at Year 7; GCSE years are three larger forms.
      const num = year.slice(5);
      const houses = Number(num) <= 9 ? ['R', 'S', 'T', 'W'] : ['R', 'S', 'T'];
      plans.push({ year, size: (houses.length === 4 ? 104 : 92) + jitter, classes: houses.map((h) => num + h) });
    }
  }
  return plans;
}

// ---------------------------------------------------------------------------------------------- families and pupils

interface PupilDraft extends Name { yearIndex: number; className: string; family: FamilyDraft }
interface FamilyDraft { parents: Name[]; pool: NamePool; children: PupilDraft[]; yearIndexes: number[] }

/** Which year indexes each family's children are in; ~15% of pupils have a sibling at the school. */
function planFamilies(rng: Rng, plans: YearPlan[]): number[][] {
  const remaining = plans.map((p) => p.size);
  const total = remaining.reduce((a, b) => a + b, 0);
  const open = (): number[] => remaining.flatMap((n, i) => (n > 0 ? [i] : []));
  const families: number[][] = [];
  const multiSizes = [
    ...Array<number>(Math.round(total * 0.062)).fill(2),
    ...Array<number>(Math.round(total * 0.009)).fill(3),
  ];
  for (const size of multiSizes) {
    const years = [rng.weighted(open(), (i) => remaining[i])];
    remaining[years[0]]--;
    while (years.length < size) {
      const last = years[years.length - 1];
      // Mostly 1–5 years apart; occasionally twins in the same year.
      const gaps = rng.chance(0.06) ? [0] : [1, 2, 3, 4, 5].map((g) => (rng.chance(0.5) ? g : -g));
      const near = gaps.map((g) => last + g).filter((i) => remaining[i] > 0);
      const y = near.length > 0 ? rng.pick(near) : rng.pick(open());
      remaining[y]--;
      years.push(y);
    }
    families.push(years);
  }
  for (const i of open()) for (let n = 0; n < remaining[i]; n++) families.push([i]);
  return rng.shuffle(families);
}

function buildFamilies(rng: Rng, names: NameDrawer, plans: YearPlan[]): FamilyDraft[] {
  const families = planFamilies(rng, plans).map((yearIndexes): FamilyDraft => {
    const pool = names.pool();
    const first = names.adult(pool);
    const parents = [first];
    if (rng.chance(0.58)) {
      // Second parent/carer: usually the same family name, sometimes their own, sometimes another heritage.
      const mixed = rng.chance(0.15);
      const shared = !mixed && rng.chance(0.7);
      parents.push(names.adult(mixed ? names.pool() : pool, shared ? first.familyName : undefined));
    }
    return { parents, pool, children: [], yearIndexes };
  });

  for (const family of families) {
    const [a, b] = family.parents;
    const differ = b !== undefined && b.familyName !== a.familyName;
    // Children usually carry the first parent's name; a few are double-barrelled when the parents' names differ.
    const surname = differ && rng.chance(0.25) ? `${a.familyName}-${b.familyName}` : a.familyName;
    const used = new Set<string>();
    family.yearIndexes.forEach((yearIndex, i) => {
      // "Mostly" shared: an occasional half-sibling carries the other parent's name.
      const familyName = i > 0 && differ && rng.chance(0.15) ? b.familyName : surname;
      const givenName = names.given(family.pool, false, familyName, used);
      used.add(givenName);
      family.children.push({ givenName, familyName, yearIndex, className: '', family });
    });
  }

  // Balanced classes: shuffle each year group and deal pupils round the classes like cards.
  plans.forEach((plan, yearIndex) => {
    const pupils = rng.shuffle(families.flatMap((f) => f.children.filter((c) => c.yearIndex === yearIndex)));
    pupils.forEach((p, i) => { p.className = plan.classes[i % plan.classes.length]; });
  });
  return families;
}

/** Two-digit year the pupil joined: most came up from Nursery or Reception, some joined at Year 7 or mid-way. */
function entryYear(rng: Rng, yearIndex: number): string {
  let joined = yearIndex === 0 ? 0 : rng.chance(0.5) ? 0 : 1;
  if (yearIndex >= 8 && rng.chance(0.3)) joined = 8;
  else if (yearIndex > 1 && rng.chance(0.08)) joined = 1 + rng.int(yearIndex);
  return String((ACADEMIC_YEAR_START - (yearIndex - joined)) % 100).padStart(2, '0');
}

// ---------------------------------------------------------------------------------------------- staff

interface Post { roles: Role[]; teams: string[]; classes: string[] }

/** Team names in the order they are listed; `staffTeams` in the result keeps this order. */
const TEAM_ORDER = [
  'Senior Leadership Team', 'Safeguarding Team', 'Early Years', 'Key Stage 1', 'Key Stage 2', 'English', 'Maths',
  'Science', 'Computing', 'Humanities', 'Languages', 'Arts', 'PE', 'SEND', 'Pastoral', 'Office', 'IT Support',
  'Premises',
];

/** Every post in the school (~120). The structure is fixed; only who fills each post depends on the seed. */
function planStaff(rng: Rng, plans: YearPlan[]): Post[] {
  const post = (roles: Role[], teams: string[], classes: string[] = []): Post => ({ roles, teams, classes });
  const posts: Post[] = [
    post(['headteacher', 'slt'], ['Senior Leadership Team']),
    post(['slt', 'teacher', 'deputy_dsl'], ['Senior Leadership Team', 'Safeguarding Team']), // deputy head, primary
    post(['slt', 'teacher'], ['Senior Leadership Team', 'Science']), // deputy head, secondary
    post(['slt', 'teacher', 'dsl'], ['Senior Leadership Team', 'Safeguarding Team']), // assistant head, pastoral
    post(['slt', 'teacher'], ['Senior Leadership Team', 'English']), // assistant head, curriculum
    // School business manager: the second administrator (R1.5) alongside the network manager.
    post(['slt', 'support_staff', 'administrator'], ['Senior Leadership Team', 'Office']),
    post(['support_staff', 'deputy_dsl'], ['Pastoral', 'Safeguarding Team']), // family support worker
    post(['network_manager', 'support_staff', 'administrator'], ['IT Support']),
    post(['network_manager', 'support_staff'], ['IT Support']), // IT technician
    post(['support_staff', 'dpo'], ['Office']), // data manager, also the school's DPO
  ];

  // Primary: one class teacher per class, in the phase team; a few also lead a subject.
  const phase = (i: number): string => (i <= 1 ? 'Early Years' : i <= 3 ? 'Key Stage 1' : 'Key Stage 2');
  const primary = plans.slice(0, 8).flatMap((plan, i) => plan.classes.map((c) => post(['teacher'], [phase(i)], [c])));
  const leads = rng.shuffle(primary.filter((p) => p.teams[0] !== 'Early Years'));
  ['English', 'Maths', 'Science', 'Computing', 'PE'].forEach((team, i) => leads[i].teams.push(team));
  posts.push(...primary);
  posts.push(post(['teacher'], ['Key Stage 1']), post(['teacher'], ['Key Stage 2', 'PE'])); // PPA cover
  posts.push(post(['teacher'], ['SEND'])); // SENCo

  // Secondary: departments; the first in each is head of department, the Online Safety Lead heads Computing.
  const departments: [string, number][] = [
    ['English', 7], ['Maths', 7], ['Science', 7], ['Computing', 3], ['Humanities', 6], ['Languages', 3], ['Arts', 4],
    ['PE', 3],
  ];
  const classroom: Post[] = [];
  for (const [team, count] of departments) {
    const head = post(['teacher'], [team]);
    if (team === 'Computing') {
      head.roles.push('online_safety_lead');
      head.teams.push('Safeguarding Team');
    }
    posts.push(head);
    for (let n = 1; n < count; n++) classroom.push(post(['teacher'], [team]));
  }
  // Five heads of year join Pastoral; form tutors come from the remaining classroom teachers.
  const shuffled = rng.shuffle(classroom);
  shuffled.slice(0, 5).forEach((p) => p.teams.push('Pastoral'));
  plans.slice(8).flatMap((p) => p.classes).forEach((form, i) => shuffled[5 + i].classes.push(form));
  posts.push(...classroom);

  const support = (teams: string[], count: number): Post[] =>
    Array.from({ length: count }, () => post(['support_staff'], teams));
  posts.push(
    ...support(['Early Years'], 7), ...support(['Key Stage 1'], 7), ...support(['Key Stage 2'], 9), // TAs
    ...support(['SEND'], 8), // learning support assistants
    ...support(['Pastoral'], 4), // pastoral managers, learning mentor, attendance officer
    ...support(['Office'], 6), ...support(['Premises'], 2), ...support(['English'], 1), // office, site, librarian
  );
  return posts;
}

// ---------------------------------------------------------------------------------------------- assembly

type Draft = Omit<ImportPerson, 'source'>;

function person(name: Name, fields: Partial<Draft> & Pick<Draft, 'externalId' | 'username' | 'roles'>): Draft {
  // Listed field by field, not `...name`: drafts carry working fields that must not leak into the output.
  const { externalId, username, email, roles, yearGroup, ...lists } = fields;
  return {
    externalId, username, givenName: name.givenName, familyName: name.familyName,
    ...(email === undefined ? {} : { email }), roles, ...(yearGroup === undefined ? {} : { yearGroup }),
    classes: [], staffTeams: [], childExternalIds: [], ...lists,
  };
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** A parent's or volunteer's own address on a reserved domain, in one of the shapes people really use. */
function personalEmail(rng: Rng, registry: Registry, name: Name): string {
  const first = asciiSlug(name.givenName), last = asciiSlug(name.familyName);
  const local = rng.pick([`${first}.${last}`, `${first}${last}`, `${first[0]}${last}`, `${first}.${last}${rng.int(90) + 10}`]);
  const domain = rng.chance(0.6) ? 'example.com' : 'example.org';
  return registry.claim((n) => `${numbered(local)(n)}@${domain}`);
}

export function generateDemoSchool(seed = 'osprey-demo'): DemoSchool {
  const rng = new Rng(seed);
  const usernames = new Registry();
  const emails = new Registry();
  const plans = planYears(rng);
  const names = new NameDrawer(rng);
  const families = buildFamilies(rng, names, plans);

  const staffUsername = (n: Name): string =>
    usernames.claim(numbered(`${asciiSlug(n.givenName)[0]}.${asciiSlug(n.familyName)}`));
  const schoolEmail = (username: string): string => `${username}@${DEMO_EMAIL_DOMAIN}`;

  // Staff, listed by surname as an MIS export would be.
  const staffNamed = planStaff(rng, plans).map((p) => ({ ...names.adult(), post: p })).sort(byName);
  const staff = staffNamed.map(({ post: p, ...name }, i) => {
    const username = staffUsername(name);
    return person(name, {
      externalId: `S${pad(i + 1, 4)}`, username, email: schoolEmail(username), roles: p.roles,
      classes: p.classes, staffTeams: p.teams,
    });
  });

  // Pupils by year, class and surname, like a register.
  const pupilDrafts = families.flatMap((f) => f.children);
  const classOrder = new Map(plans.flatMap((p) => p.classes).map((c, i) => [c, i]));
  const rank = (p: PupilDraft): number => classOrder.get(p.className) as number;
  pupilDrafts.sort((a, b) => rank(a) - rank(b) || byName(a, b));
  const pupilIds = new Map<PupilDraft, string>();
  const pupils = pupilDrafts.map((p, i) => {
    const externalId = `P${pad(i + 1, 6)}`;
    pupilIds.set(p, externalId);
    const base = `${asciiSlug(p.givenName)}.${asciiSlug(p.familyName)}${entryYear(rng, p.yearIndex)}`;
    const username = usernames.claim(lettered(base));
    return person(p, {
      externalId, username, roles: ['pupil'], yearGroup: plans[p.yearIndex].year, classes: [p.className],
      // Secondary pupils have school accounts with mail; younger pupils sign in without one.
      ...(p.yearIndex >= 8 ? { email: schoolEmail(username) } : {}),
    });
  });

  // Parents/carers in order of their eldest-listed child; most have a personal e-mail address.
  const position = new Map(pupilDrafts.map((p, i) => [p, i]));
  const firstListed = (f: FamilyDraft): number => Math.min(...f.children.map((c) => position.get(c) as number));
  const familyOrder = [...families].sort((a, b) => firstListed(a) - firstListed(b));
  let parentCount = 0;
  const parents = familyOrder.flatMap((f) => {
    const childIds = f.children.map((c) => pupilIds.get(c) as string).sort();
    return f.parents.map((name) =>
      person(name, {
        externalId: `C${pad(++parentCount, 5)}`,
        username: usernames.claim(numbered(`p.${asciiSlug(name.givenName)}.${asciiSlug(name.familyName)}`)),
        roles: ['parent'], childExternalIds: [...childIds], // a copy each, so editing one parent never edits the other
        ...(rng.chance(0.92) ? { email: personalEmail(rng, emails, name) } : {}),
      }));
  });

  // Governing board: ten governors, one of whom is the online safety governor.
  const governors = Array.from({ length: 10 }, () => names.adult()).sort(byName).map((name, i) => {
    const username = staffUsername(name);
    return person(name, {
      externalId: `G${pad(i + 1, 4)}`, username, email: schoolEmail(username),
      roles: i === 3 ? ['governor', 'online_safety_governor'] : ['governor'],
    });
  });

  // Volunteers (reading helpers, clubs): no school account e-mail, no classes.
  const volunteers = Array.from({ length: 4 }, () => names.adult()).map((name, i) =>
    person(name, {
      externalId: `V${pad(i + 1, 4)}`, roles: ['volunteer'], email: personalEmail(rng, emails, name),
      username: usernames.claim(numbered(`v.${asciiSlug(name.givenName)}.${asciiSlug(name.familyName)}`)),
    }));

  const people = [...staff, ...pupils, ...parents, ...governors, ...volunteers].map(
    (p, i): ImportPerson => ({ ...p, source: { file: 'demo', line: i + 1 } }));
  const usedTeams = new Set(staff.flatMap((s) => s.staffTeams));
  return {
    schoolName: DEMO_SCHOOL_NAME,
    people,
    staffTeams: TEAM_ORDER.filter((t) => usedTeams.has(t)),
    classes: plans.flatMap((p) => p.classes.map((name) => ({ name, yearGroup: p.year }))),
  };
}
