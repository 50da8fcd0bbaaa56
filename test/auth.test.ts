/**
 * Logging in and staying safe (R1.5, R1.6): session cookies, wrong passwords and lock-out, throttling, CSRF,
 * temporary and expired passwords, two-step verification and leavers — told as the stories a school would recognise.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { authenticator } from 'otplib';
import { createTestApp, type Session, type TestApp } from './helpers/app.ts';

const PASSWORD = 'correct horse battery';

/** A log-on attempt from a given address (each story uses its own, so the per-address throttle stays out of the way). */
function attempt(t: TestApp, ip: string, username: string, password: string, code?: string) {
  return t.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: ip, payload: { username, password, ...(code !== undefined ? { code } : {}) } });
}

interface ResponseCookie { name: string; value: string; httpOnly?: boolean; sameSite?: string; path?: string }

function sessionCookie(res: { cookies: ResponseCookie[] }) {
  return res.cookies.find((c) => c.name === 'osprey_session');
}

async function auditActions(t: TestApp, admin: Session, personId: string): Promise<string[]> {
  const res = await t.as(admin, 'GET', `/api/audit?entityId=${personId}`);
  assert.equal(res.statusCode, 200, res.body);
  return res.json().entries.map((e: { action: string }) => e.action);
}

describe('logging in and out', () => {
  let t: TestApp;
  before(async () => { t = await createTestApp(); });
  after(async () => { await t.close(); });

  it('a teacher logs in with an HttpOnly, SameSite=Strict cookie, is recognised, and logging out ends the session', async () => {
    const teacher = await t.makePerson(['teacher'], { username: 'mrsbrown' });
    const res = await attempt(t, '10.0.1.1', 'MrsBrown', PASSWORD);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().status, 'ok');
    const cookie = sessionCookie(res);
    assert.ok(cookie, 'log-in must set the session cookie');
    assert.equal(cookie.httpOnly, true, 'scripts on the page must not read the session cookie');
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(cookie.path, '/');
    const raw = String(res.headers['set-cookie']);
    assert.match(raw, /HttpOnly/i);
    assert.match(raw, /SameSite=Strict/i);

    const jar = `osprey_session=${cookie.value}`;
    const me = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: jar } });
    assert.equal(me.statusCode, 200);
    assert.equal(me.json().person.id, teacher.id);
    assert.equal(me.json().person.username, 'mrsbrown');
    assert.deepEqual(me.json().person.roles, ['teacher']);
    assert.equal(me.json().mustChangePassword, false);
    const csrf = me.json().csrfToken;
    assert.ok(csrf);

    const out = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie: jar, 'x-csrf-token': csrf } });
    assert.equal(out.statusCode, 200, out.body);
    const afterwards = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: jar } });
    assert.equal(afterwards.statusCode, 401, 'the old cookie must not work once the teacher has logged out');
    assert.equal(afterwards.json().error.code, 'not_signed_in');
  });

  it('nobody is recognised without a session cookie, or with a made-up one', async () => {
    const none = await t.app.inject({ method: 'GET', url: '/api/auth/me' });
    assert.equal(none.statusCode, 401);
    const madeUp = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: 'osprey_session=not-a-real-session' } });
    assert.equal(madeUp.statusCode, 401);
    assert.equal(madeUp.json().error.code, 'not_signed_in');
  });

  it('a session left idle for longer than the session length has ended', async () => {
    const ta = await t.makePerson(['support_staff']);
    const s = await t.logIn(ta.username);
    t.clock.advance(t.config.sessionHours * 3_600_000 - 60_000);
    assert.equal((await t.as(s, 'GET', '/api/auth/me')).statusCode, 200, 'still within the session length');
    t.clock.advance(t.config.sessionHours * 3_600_000 + 1000);
    assert.equal((await t.as(s, 'GET', '/api/auth/me')).statusCode, 401);
  });

  it('a wrong password gets the same answer as a username that does not exist', async () => {
    const teacher = await t.makePerson(['teacher']);
    const wrong = await attempt(t, '10.0.1.2', teacher.username, 'not the password');
    assert.equal(wrong.statusCode, 401);
    const body = wrong.json();
    assert.deepEqual(Object.keys(body), ['error']);
    assert.equal(body.error.code, 'wrong_credentials');
    assert.equal(typeof body.error.message, 'string');
    assert.ok(body.error.message.length > 10);
    assert.equal(sessionCookie(wrong), undefined, 'no cookie for a wrong password');

    const unknown = await attempt(t, '10.0.1.2', 'nobody.at.this.school', 'not the password');
    assert.equal(unknown.statusCode, 401);
    assert.deepEqual(unknown.json(), body, 'an unknown username must not be told apart from a wrong password');
    assert.ok(!body.error.message.includes(teacher.username));
  });
});

describe('lock-out after wrong passwords', () => {
  let t: TestApp;
  let admin: Session;
  before(async () => {
    t = await createTestApp();
    admin = await t.logIn((await t.makePerson(['administrator'])).username);
  });
  after(async () => { await t.close(); });

  it('uses five wrong passwords by default', () => {
    assert.equal(t.config.loginMaxFailures, 5);
  });

  it('locks a teacher out after too many wrong passwords, lets them in after the lock-out time, and records it in the audit log', async () => {
    const teacher = await t.makePerson(['teacher']);
    const ip = '10.0.2.1';
    for (let i = 1; i <= t.config.loginMaxFailures; i++) {
      const res = await attempt(t, ip, teacher.username, `guess number ${i}`);
      assert.equal(res.statusCode, 401, `wrong password ${i}`);
      assert.equal(res.json().error.code, 'wrong_credentials');
    }
    const locked = await attempt(t, ip, teacher.username, PASSWORD);
    assert.equal(locked.statusCode, 423, 'even the right password must not work while the account is locked');
    assert.equal(locked.json().error.code, 'account_locked');
    assert.match(locked.json().error.message, /administrator/);
    assert.equal(sessionCookie(locked), undefined);

    t.clock.advance((t.config.lockoutMinutes - 1) * 60_000);
    assert.equal((await attempt(t, ip, teacher.username, PASSWORD)).statusCode, 423, 'a minute before the end of the lock-out');
    t.clock.advance(60_000);
    const ok = await attempt(t, ip, teacher.username, PASSWORD);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.ok(sessionCookie(ok));

    const actions = await auditActions(t, admin, teacher.id);
    assert.equal(actions.filter((a) => a === 'auth.login_failed').length, t.config.loginMaxFailures - 1);
    assert.ok(actions.includes('auth.account_locked'), `the lock-out must be audited; got ${actions.join(', ')}`);
    assert.ok(actions.includes('auth.login'));
  });

  it('a successful log-in starts the count of wrong passwords again', async () => {
    const teacher = await t.makePerson(['teacher']);
    const ip = '10.0.2.2';
    for (let i = 1; i < t.config.loginMaxFailures; i++) assert.equal((await attempt(t, ip, teacher.username, 'nope nope nope')).statusCode, 401);
    assert.equal((await attempt(t, ip, teacher.username, PASSWORD)).statusCode, 200);
    assert.equal((await attempt(t, ip, teacher.username, 'nope nope nope')).statusCode, 401);
    assert.equal((await attempt(t, ip, teacher.username, PASSWORD)).statusCode, 200, 'one more wrong password after a good log-in must not lock the account');
  });

  it('an administrator can unlock an account before the lock-out ends', async () => {
    const teacher = await t.makePerson(['teacher']);
    const ip = '10.0.2.3';
    for (let i = 0; i < t.config.loginMaxFailures; i++) await attempt(t, ip, teacher.username, 'wrong wrong wrong');
    assert.equal((await attempt(t, ip, teacher.username, PASSWORD)).statusCode, 423);

    const status = await t.as(admin, 'GET', `/api/people/${teacher.id}`);
    assert.equal(status.json().account.locked, true, 'the administrator can see the account is locked');
    const unlock = await t.as(admin, 'POST', `/api/people/${teacher.id}/account/unlock`);
    assert.equal(unlock.statusCode, 200, unlock.body);
    assert.equal((await t.as(admin, 'GET', `/api/people/${teacher.id}`)).json().account.locked, false);

    const ok = await attempt(t, ip, teacher.username, PASSWORD);
    assert.equal(ok.statusCode, 200, ok.body);
    const actions = await auditActions(t, admin, teacher.id);
    assert.ok(actions.includes('account.unlocked'));
    assert.ok(actions.includes('auth.account_locked'));
  });

  it('guessing many passwords at the same moment still locks the account', async () => {
    const teacher = await t.makePerson(['teacher']);
    const guesses = t.config.loginMaxFailures * 3;
    const answers = await Promise.all(Array.from({ length: guesses }, (_, i) => attempt(t, `10.0.3.${i + 1}`, teacher.username, `parallel guess ${i}`)));
    assert.ok(answers.every((r) => r.statusCode === 401 || r.statusCode === 423), answers.map((r) => r.statusCode).join(','));
    const res = await attempt(t, '10.0.3.250', teacher.username, PASSWORD);
    assert.equal(res.statusCode, 423, `after ${guesses} wrong passwords sent together the account must be locked; got ${res.statusCode}`);
  });
});

describe('throttling by address', () => {
  let t: TestApp;
  before(async () => { t = await createTestApp(); });
  after(async () => { await t.close(); });

  it('a device trying many usernames is told to wait, with Retry-After, while other devices carry on', async () => {
    const people = await Promise.all([1, 2, 3, 4].map(() => t.makePerson(['pupil'])));
    const ip = '10.0.4.1';
    let refused: Awaited<ReturnType<typeof attempt>> | undefined;
    let tries = 0;
    for (; tries < 60 && !refused; tries++) {
      // Real pupils and made-up names in turn; no single account gets enough wrong passwords to be locked.
      const username = tries % 2 === 0 ? people[(tries / 2) % 4].username : `no-such-user-${tries}`;
      const res = await attempt(t, ip, username, 'password guess');
      if (res.statusCode === 429) refused = res;
      else assert.equal(res.statusCode, 401, `try ${tries}: ${res.body}`);
    }
    assert.ok(refused, 'the device must be throttled within 60 wrong tries');
    assert.ok(tries > t.config.loginMaxFailures, 'throttling must not start before a single account would be locked');
    assert.equal(refused.json().error.code, 'too_many_attempts');
    const retryAfter = Number(refused.headers['retry-after']);
    assert.ok(Number.isInteger(retryAfter) && retryAfter > 0, `Retry-After must be a number of seconds, got ${refused.headers['retry-after']}`);

    // The same device with a right password is still held back; another device is not.
    const held = await attempt(t, ip, people[1].username, PASSWORD);
    assert.equal(held.statusCode, 429);
    assert.equal(sessionCookie(held), undefined);
    assert.equal((await attempt(t, '10.0.4.2', people[1].username, PASSWORD)).statusCode, 200);

    t.clock.advance(retryAfter * 1000);
    assert.equal((await attempt(t, ip, people[1].username, PASSWORD)).statusCode, 200, 'after the wait the device may log in again');
  });

  it('many guesses sent together from one device are throttled too', async () => {
    const ip = '10.0.4.3';
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => attempt(t, ip, `someone-${i}`, 'password guess')));
    const throttled = answers.filter((r) => r.statusCode === 429).length;
    assert.ok(throttled > 0, 'sending guesses in parallel must not get round the throttle');
    const checked = answers.filter((r) => r.statusCode === 401).length;
    assert.ok(checked <= 20, `no more guesses are checked than a device sending them one by one gets (20 in ten minutes); ${checked} were`);
    assert.ok(answers.every((r) => r.statusCode === 401 || r.statusCode === 429));
  });
});

describe('CSRF protection', () => {
  let t: TestApp;
  let admin: Session;
  let pupilId: string;
  before(async () => {
    t = await createTestApp();
    admin = await t.logIn((await t.makePerson(['administrator'])).username);
    pupilId = (await t.makePerson(['pupil'])).id;
  });
  after(async () => { await t.close(); });

  const givenName = async () => (await t.as(admin, 'GET', `/api/people/${pupilId}`)).json().person.givenName;

  it('a change sent with the session cookie but without the right x-csrf-token is refused and changes nothing', async () => {
    for (const headers of [{ cookie: admin.cookie }, { cookie: admin.cookie, 'x-csrf-token': 'forged-token' }, { cookie: admin.cookie, 'x-csrf-token': '' }]) {
      const res = await t.app.inject({ method: 'PATCH', url: `/api/people/${pupilId}`, headers, payload: { givenName: 'Hacked' } });
      assert.equal(res.statusCode, 403, res.body);
      assert.equal(res.json().error.code, 'csrf');
    }
    assert.equal(await givenName(), 'Test');

    const logout = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie: admin.cookie } });
    assert.equal(logout.statusCode, 403, 'a forged log-out is refused too');
    assert.equal((await t.as(admin, 'GET', '/api/auth/me')).statusCode, 200, 'and the session is still there');

    // Another person's CSRF token does not work with the administrator's cookie either.
    const teacher = await t.logIn((await t.makePerson(['teacher'])).username);
    const crossed = await t.app.inject({ method: 'PATCH', url: `/api/people/${pupilId}`, headers: { cookie: admin.cookie, 'x-csrf-token': teacher.csrf }, payload: { givenName: 'Hacked' } });
    assert.equal(crossed.statusCode, 403);
    assert.equal(await givenName(), 'Test');
  });

  it('the same change with the token from /api/auth/me goes through', async () => {
    const res = await t.as(admin, 'PATCH', `/api/people/${pupilId}`, { givenName: 'Amara' });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(await givenName(), 'Amara');
  });
});

describe('temporary and expired passwords', () => {
  let t: TestApp;
  let admin: Session;
  before(async () => {
    t = await createTestApp();
    admin = await t.logIn((await t.makePerson(['administrator'])).username);
  });
  after(async () => { await t.close(); });

  it('a teacher given a temporary password must choose their own before doing anything else', async () => {
    const teacher = await t.makePerson(['teacher'], { username: 'jpatel' });
    const given = await t.as(admin, 'POST', `/api/people/${teacher.id}/account/temporary-password`);
    assert.equal(given.statusCode, 200, given.body);
    const temporary: string = given.json().temporaryPassword;
    assert.ok(temporary.length >= 10);
    assert.equal((await attempt(t, '10.0.5.1', 'jpatel', PASSWORD)).statusCode, 401, 'the old password no longer works');

    const s = await t.logIn('jpatel', temporary);
    const me = await t.as(s, 'GET', '/api/auth/me');
    assert.equal(me.statusCode, 200);
    assert.equal(me.json().mustChangePassword, true);
    const people = await t.as(s, 'GET', '/api/people');
    assert.equal(people.statusCode, 403);
    assert.equal(people.json().error.code, 'password_change_required');
    assert.equal((await t.as(s, 'GET', '/api/groups')).json().error.code, 'password_change_required');

    const wrongCurrent = await t.as(s, 'POST', '/api/auth/password', { currentPassword: 'not it at all', newPassword: 'maple syrup on pancakes' });
    assert.equal(wrongCurrent.statusCode, 400);
    assert.equal(wrongCurrent.json().error.code, 'wrong_current_password');

    const tooShort = await t.as(s, 'POST', '/api/auth/password', { currentPassword: temporary, newPassword: 'short1' });
    assert.equal(tooShort.statusCode, 400);
    assert.match(tooShort.json().error.message, /at least 10 characters/);
    const withName = await t.as(s, 'POST', '/api/auth/password', { currentPassword: temporary, newPassword: 'JPatel-is-the-best' });
    assert.equal(withName.statusCode, 400);
    assert.match(withName.json().error.message, /Choose a password that does not contain your username/);
    const common = await t.as(s, 'POST', '/api/auth/password', { currentPassword: temporary, newPassword: 'password123' });
    assert.equal(common.statusCode, 400);
    assert.match(common.json().error.message, /too easy to guess/);
    assert.equal((await t.as(s, 'GET', '/api/auth/me')).json().mustChangePassword, true, 'refused passwords change nothing');

    const changed = await t.as(s, 'POST', '/api/auth/password', { currentPassword: temporary, newPassword: 'maple syrup on pancakes' });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.equal((await t.as(s, 'GET', '/api/auth/me')).json().mustChangePassword, false);
    assert.equal((await t.as(s, 'GET', '/api/people')).statusCode, 200, 'after choosing a password the teacher can work');
    assert.equal((await attempt(t, '10.0.5.1', 'jpatel', temporary)).statusCode, 401, 'the temporary password is gone');
    assert.equal((await attempt(t, '10.0.5.1', 'jpatel', 'maple syrup on pancakes')).statusCode, 200);
    assert.ok((await auditActions(t, admin, teacher.id)).includes('account.temporary_password'));
  });

  it('giving a temporary password logs the person out everywhere', async () => {
    const teacher = await t.makePerson(['teacher']);
    const s = await t.logIn(teacher.username);
    await t.as(admin, 'POST', `/api/people/${teacher.id}/account/temporary-password`);
    assert.equal((await t.as(s, 'GET', '/api/auth/me')).statusCode, 401);
  });

  it('changing your password logs out your other devices but not this one', async () => {
    const teacher = await t.makePerson(['teacher']);
    const laptop = await t.logIn(teacher.username);
    const phone = await t.logIn(teacher.username);
    const res = await t.as(laptop, 'POST', '/api/auth/password', { currentPassword: PASSWORD, newPassword: 'blue whale in the bath' });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal((await t.as(laptop, 'GET', '/api/auth/me')).statusCode, 200, 'the device that changed the password stays logged in');
    assert.equal((await t.as(phone, 'GET', '/api/auth/me')).statusCode, 401, 'the other device is logged out');
  });
});

describe('staff password rotation', () => {
  let t: TestApp;
  before(async () => { t = await createTestApp({ config: { staffPasswordRotationDays: 60 } }); });
  after(async () => { await t.close(); });

  it('a teacher whose password is 61 days old must change it; a pupil is not asked', async () => {
    const teacher = await t.makePerson(['teacher']);
    const pupil = await t.makePerson(['pupil']);
    t.clock.advance(59 * 86_400_000);
    assert.equal((await t.as(await t.logIn(teacher.username), 'GET', '/api/auth/me')).json().mustChangePassword, false, 'at 59 days nobody is asked');

    t.clock.advance(2 * 86_400_000);
    const s = await t.logIn(teacher.username);
    assert.equal((await t.as(s, 'GET', '/api/auth/me')).json().mustChangePassword, true);
    const people = await t.as(s, 'GET', '/api/people');
    assert.equal(people.statusCode, 403);
    assert.equal(people.json().error.code, 'password_change_required');

    const p = await t.logIn(pupil.username);
    assert.equal((await t.as(p, 'GET', '/api/auth/me')).json().mustChangePassword, false, 'rotation is for staff only');

    const changed = await t.as(s, 'POST', '/api/auth/password', { currentPassword: PASSWORD, newPassword: 'autumn leaves falling' });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.equal((await t.as(s, 'GET', '/api/auth/me')).json().mustChangePassword, false);
    assert.equal((await t.as(s, 'GET', '/api/people')).statusCode, 200);
  });

  it('without a rotation period, an old staff password is fine', async () => {
    const t2 = await createTestApp();
    try {
      const teacher = await t2.makePerson(['teacher']);
      t2.clock.advance(400 * 86_400_000);
      assert.equal((await t2.as(await t2.logIn(teacher.username), 'GET', '/api/auth/me')).json().mustChangePassword, false);
    } finally {
      await t2.close();
    }
  });
});

describe('two-step verification', () => {
  let t: TestApp;
  let admin: Session;
  const codeAt = (secret: string, offsetMs = 0) => authenticator.clone({ epoch: t.clock.now().getTime() + offsetMs }).generate(secret);
  /** A six-digit code that is not valid now (nor in the neighbouring 30-second steps the server accepts). */
  const wrongCodeFor = (secret: string) => {
    const valid = new Set([-30_000, 0, 30_000].map((o) => codeAt(secret, o)));
    for (let n = 123456; ; n++) if (!valid.has(String(n))) return String(n);
  };

  before(async () => {
    t = await createTestApp();
    // Someone who holds every right a DSL holds (a small school's headteacher-administrator who is also the DSL):
    // only such a person may reset a DSL's two-step verification (issue 11).
    admin = await t.logIn((await t.makePerson(['administrator', 'dsl'])).username);
  });
  after(async () => { await t.close(); });

  it('is asked of a DSL but not of a teacher', async () => {
    const dsl = await t.makePerson(['dsl'], { twoStep: false });
    const teacher = await t.makePerson(['teacher']);
    const d = (await t.as(await t.logIn(dsl.username), 'GET', '/api/auth/me')).json();
    assert.deepEqual(d.mfa, { enrolled: false, required: true, verified: false });
    const tt = (await t.as(await t.logIn(teacher.username), 'GET', '/api/auth/me')).json();
    assert.deepEqual(tt.mfa, { enrolled: false, required: false, verified: false });
  });

  it('a DSL sets it up, then needs a code (or a recovery code, once) to log in; an administrator can reset it', async () => {
    const dsl = await t.makePerson(['dsl'], { username: 'dsl.okafor', twoStep: false });
    const ip = '10.0.6.1';
    const first = await t.logIn(dsl.username);

    const start = await t.as(first, 'POST', '/api/auth/mfa/start', { password: PASSWORD });
    assert.equal(start.statusCode, 200, start.body);
    const { secret, otpauthUrl, qrSvg } = start.json();
    assert.match(secret, /^[A-Z2-7]{16,}$/);
    assert.ok(otpauthUrl.includes(secret));
    assert.match(qrSvg, /<svg/);

    const stored = await t.db.selectFrom('accounts').select('mfa_secret').where('person_id', '=', dsl.id).executeTakeFirstOrThrow();
    assert.ok(stored.mfa_secret, 'the secret is kept');
    assert.notEqual(stored.mfa_secret, secret);
    assert.ok(!stored.mfa_secret.includes(secret), 'the secret must be encrypted at rest, not stored as it is');

    const badConfirm = await t.as(first, 'POST', '/api/auth/mfa/confirm', { code: wrongCodeFor(secret) });
    assert.equal(badConfirm.statusCode, 400);
    assert.equal(badConfirm.json().error.code, 'wrong_code');
    assert.equal((await t.as(first, 'GET', '/api/auth/me')).json().mfa.enrolled, false, 'a wrong first code does not switch it on');

    const confirm = await t.as(first, 'POST', '/api/auth/mfa/confirm', { code: codeAt(secret) });
    assert.equal(confirm.statusCode, 200, confirm.body);
    const recoveryCodes: string[] = confirm.json().recoveryCodes;
    assert.equal(recoveryCodes.length, 10);
    assert.equal(new Set(recoveryCodes).size, 10);
    assert.deepEqual((await t.as(first, 'GET', '/api/auth/me')).json().mfa, { enrolled: true, required: true, verified: true });

    t.clock.advance(5 * 60_000);
    const noCode = await attempt(t, ip, dsl.username, PASSWORD);
    assert.equal(noCode.statusCode, 200, noCode.body);
    assert.deepEqual(noCode.json(), { status: 'mfa_required' });
    assert.equal(sessionCookie(noCode), undefined, 'no session until the code is given');
    assert.equal(noCode.headers['set-cookie'], undefined);

    const wrong = await attempt(t, ip, dsl.username, PASSWORD, wrongCodeFor(secret));
    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.json().error.code, 'wrong_code');
    assert.equal(sessionCookie(wrong), undefined);

    const wrongPasswordRightCode = await attempt(t, ip, dsl.username, 'not my password', codeAt(secret));
    assert.equal(wrongPasswordRightCode.statusCode, 401);
    assert.equal(wrongPasswordRightCode.json().error.code, 'wrong_credentials', 'a right code does not make up for a wrong password');

    const right = await attempt(t, ip, dsl.username, PASSWORD, codeAt(secret));
    assert.equal(right.statusCode, 200, right.body);
    assert.equal(right.json().status, 'ok');
    const replayed = await attempt(t, '10.0.6.2', dsl.username, PASSWORD, codeAt(secret));
    assert.equal(replayed.statusCode, 401, 'the same code cannot be used twice, even from another device');
    assert.equal(replayed.json().error.code, 'wrong_code');
    t.clock.advance(30_000);
    assert.ok(sessionCookie(right));

    const recovery = await attempt(t, ip, dsl.username, PASSWORD, recoveryCodes[3]);
    assert.equal(recovery.statusCode, 200, recovery.body);
    assert.equal(recovery.json().status, 'ok');
    const again = await attempt(t, ip, dsl.username, PASSWORD, recoveryCodes[3]);
    assert.equal(again.statusCode, 401, 'a recovery code works only once');
    assert.equal(again.json().error.code, 'wrong_code');
    assert.equal((await attempt(t, ip, dsl.username, PASSWORD, recoveryCodes[4].toUpperCase().replace('-', ' '))).statusCode, 200, 'recovery codes are forgiving about case and spacing');

    t.clock.advance(30_000);
    const stillIn = await t.logIn(dsl.username, PASSWORD, codeAt(secret));
    const reset = await t.as(admin, 'POST', `/api/people/${dsl.id}/account/reset-mfa`);
    assert.equal(reset.statusCode, 200, reset.body);
    assert.equal((await t.as(stillIn, 'GET', '/api/auth/me')).statusCode, 401, 'resetting two-step verification logs the person out');
    const passwordOnly = await attempt(t, ip, dsl.username, PASSWORD);
    assert.equal(passwordOnly.statusCode, 200, passwordOnly.body);
    assert.equal(passwordOnly.json().status, 'ok');
    assert.deepEqual(passwordOnly.json().me.mfa, { enrolled: false, required: true, verified: false }, 'they are asked to set it up again');
    const cleared = await t.db.selectFrom('accounts').select('mfa_secret').where('person_id', '=', dsl.id).executeTakeFirstOrThrow();
    assert.equal(cleared.mfa_secret, null);
    const leftover = await t.db.selectFrom('recovery_codes').select('code_hash').where('person_id', '=', dsl.id).execute();
    assert.deepEqual(leftover, [], 'the old recovery codes are removed');
    const actions = await auditActions(t, admin, dsl.id);
    assert.ok(actions.includes('auth.mfa_enrolled'));
    assert.ok(actions.includes('account.mfa_reset'));
  });

  it('cannot be set up twice without a reset', async () => {
    const dsl = await t.makePerson(['dsl'], { twoStep: false });
    const s = await t.logIn(dsl.username);
    const { secret } = (await t.as(s, 'POST', '/api/auth/mfa/start', { password: PASSWORD })).json();
    assert.equal((await t.as(s, 'POST', '/api/auth/mfa/confirm', { code: codeAt(secret) })).statusCode, 200);
    const again = await t.as(s, 'POST', '/api/auth/mfa/start', { password: PASSWORD });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().error.code, 'already_enrolled');
    t.clock.advance(30_000);
    assert.equal((await t.logIn(dsl.username, PASSWORD, codeAt(secret))).personId, dsl.id, 'the original secret still works');
  });
});

describe('leavers', () => {
  let t: TestApp;
  before(async () => { t = await createTestApp(); });
  after(async () => { await t.close(); });

  it('a teacher marked as a leaver is logged out and cannot log in again', async () => {
    const admin = await t.logIn((await t.makePerson(['administrator'])).username);
    const teacher = await t.makePerson(['teacher']);
    const s = await t.logIn(teacher.username);
    assert.equal((await t.as(s, 'GET', '/api/auth/me')).statusCode, 200);

    const mark = await t.as(admin, 'PATCH', `/api/people/${teacher.id}`, { status: 'leaver' });
    assert.equal(mark.statusCode, 200, mark.body);
    assert.equal((await t.as(s, 'GET', '/api/auth/me')).statusCode, 401, 'the leaver\'s open session stops working');
    assert.equal((await t.as(s, 'GET', '/api/people')).statusCode, 401);

    const again = await attempt(t, '10.0.7.1', teacher.username, PASSWORD);
    assert.equal(again.statusCode, 403);
    assert.equal(again.json().error.code, 'account_disabled');
    assert.equal(sessionCookie(again), undefined);
  });

  it('a wrong password for a leaver gets the same answer as for an unknown username', async () => {
    const admin = await t.logIn((await t.makePerson(['administrator'])).username);
    const teacher = await t.makePerson(['teacher']);
    await t.as(admin, 'PATCH', `/api/people/${teacher.id}`, { status: 'leaver' });
    const guess = await attempt(t, '10.0.7.2', teacher.username, 'a guessed password');
    const unknown = await attempt(t, '10.0.7.2', 'nobody-here', 'a guessed password');
    assert.equal(guess.statusCode, 401, `without the right password nobody learns the account exists; got ${guess.body}`);
    assert.deepEqual(guess.json(), unknown.json());
  });
});
