/** A real Osprey app on a fresh database, driven through HTTP with app.inject, and helpers to make people. */
import { createHash, randomBytes } from 'node:crypto';
import { authenticator } from 'otplib';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config.ts';
import { insertPerson } from '../../src/directory/store.ts';
import type { Role } from '../../src/directory/types.ts';
import { hashPassword } from '../../src/platform/auth/passwords.ts';
import type { AppDeps, Clock } from '../../src/platform/context.ts';
import { mfaRequiredFor } from '../../src/platform/permissions.ts';
import { peopleDirectory } from '../../src/directory/index.ts';
import { buildOspreyApp, sharedServices } from '../../src/app/http.ts';
import { secretBox } from '../../src/platform/secrets.ts';
import { ensureSchool } from '../../src/platform/setup.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { rememberPhone, twoStepCode } from './two-step.ts';

export class TestClock implements Clock {
  constructor(private t = new Date('2026-11-16T09:00:00Z')) {}
  now() { return new Date(this.t); }
  advance(ms: number) { this.t = new Date(this.t.getTime() + ms); }
}

export interface Session { cookie: string; csrf: string; personId: string }

export type TestApp = Awaited<ReturnType<typeof createTestApp>>;

export async function createTestApp(opts: { config?: Partial<Config>; dataDir?: string } = {}) {
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), 'osprey-test-'));
  const handle: TestDatabase = await createTestDatabase({ dataDir: opts.dataDir });
  const config = loadConfig({ OSPREY_DATA_DIR: dataDir }, { logLevel: 'silent', ...opts.config });
  const clock = new TestClock();
  const deps: AppDeps = { db: handle.db, clock, config, secrets: secretBox(randomBytes(32)), databaseKind: handle.kind, people: peopleDirectory };
  const shared = sharedServices(deps);
  const app = await buildOspreyApp(deps, shared);
  await app.ready();
  const school = await ensureSchool(handle.db, 'Test Primary School', clock.now());

  let n = 0;
  /**
   * A person with an account; the password is `correct horse battery`. People whose roles need two-step
   * verification have it set up (as they would after their first log-on) unless `twoStep: false`.
   */
  async function makePerson(roles: Role[], extra: { username?: string; yearGroup?: string; mustChange?: boolean; twoStep?: boolean } = {}) {
    const username = extra.username ?? `${roles[0] ?? 'person'}${++n}`.replace(/_/g, '');
    const id = await insertPerson(handle.db, school.id, {
      username, givenName: 'Test', familyName: `${roles.join(' ')} ${n}`, source: 'manual', roles,
      yearGroup: extra.yearGroup ?? (roles.includes('pupil') ? 'Year 5' : null),
    }, clock.now());
    await handle.db.insertInto('accounts').values({
      person_id: id, school_id: school.id, password_hash: await hashPassword('correct horse battery'),
      must_change_password: extra.mustChange ?? false, password_changed_at: clock.now(), created_at: clock.now(),
    }).execute();
    if (extra.twoStep ?? mfaRequiredFor(roles)) await enrolTwoStep(id, username);
    return { id, username, password: 'correct horse battery' };
  }

  /** Sets up two-step verification for a person, as finishing enrolment does: a secret and recovery codes. */
  async function enrolTwoStep(personId: string, username: string) {
    const secret = authenticator.generateSecret(20);
    const recovery = Array.from({ length: 40 }, () => randomBytes(5).toString('hex'));
    await handle.db.updateTable('accounts').set({ mfa_secret: deps.secrets.seal(secret), mfa_enabled_at: clock.now() }).where('person_id', '=', personId).execute();
    await handle.db.insertInto('recovery_codes').values(recovery.map((c) => ({ person_id: personId, school_id: school.id, code_hash: createHash('sha256').update(c).digest('hex'), used_at: null }))).execute();
    rememberPhone(username, secret, recovery);
  }

  /** The code a person's phone shows now on the test clock, or a recovery code when that one was already used. */
  const codeFor = (username: string) => twoStepCode(username, () => clock.now().getTime());

  async function logIn(username: string, password = 'correct horse battery', code?: string): Promise<Session> {
    code ??= codeFor(username);
    const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password, ...(code ? { code } : {}) } });
    if (res.statusCode !== 200 || res.json().status !== 'ok') throw new Error(`log-in as ${username} failed: ${res.statusCode} ${res.body}`);
    const cookie = res.cookies.find((c) => c.name === 'osprey_session')!;
    return { cookie: `osprey_session=${cookie.value}`, csrf: res.json().me.csrfToken, personId: res.json().me.person.id };
  }

  /** A request as a logged-in person, with the CSRF header on changes. */
  function as(session: Session, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown) {
    return app.inject({ method, url, headers: { cookie: session.cookie, 'x-csrf-token': session.csrf }, ...(payload !== undefined ? { payload: payload as object } : {}) });
  }

  return {
    app, db: handle.db, handle, clock, config, deps, shared, school, dataDir, makePerson, logIn, as, enrolTwoStep, codeFor,
    async close() {
      await app.close();
      await handle.close();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
