/**
 * Issue 11, item 5: the proxy's password prompt and the web log-on page were a password oracle — wrong guesses there
 * did not count towards the account's lock-out, guesses sent together were all checked, and a locked account
 * answered differently to the right password. Now every attempt counts against the same lock-out as the log-in page,
 * before the password is checked, and a locked account answers the same whatever the password.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';

const basic = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

/** The web log-on page as a browser uses it: fetch the form (for its token), then post the username and password. */
async function logOnPage(t: TestApp, username: string, password: string, ip: string) {
  const form = await t.app.inject({ method: 'GET', url: '/logon', remoteAddress: ip });
  const csrf = /name="csrf" value="([^"]+)"/.exec(form.body)![1];
  const cookie = form.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const res = await t.app.inject({
    method: 'POST', url: '/logon', remoteAddress: ip, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ csrf, username, password }).toString(),
  });
  return { status: res.statusCode, text: res.body.replace(/name="csrf" value="[^"]+"/g, '').replace(/value="[^"]*"/g, '') };
}

describe('guessing passwords through the proxy and the log-on page', () => {
  let t: TestApp;
  before(async () => { t = await createTestApp({ config: { loginMaxFailures: 5, lockoutMinutes: 15 } }); });
  after(async () => { await t.close(); });

  it('wrong proxy passwords count towards the account lock-out, so the right one is refused after them', async () => {
    const pupil = await t.makePerson(['pupil'], { yearGroup: 'Year 9' });
    const identity = t.shared.identity;
    await identity.ready();
    // Twenty guesses at once, each from a different device (so the per-device throttle is not what stops them).
    const guesses = await Promise.all(Array.from({ length: 20 }, (_, i) => identity.checkProxyCredentials(basic(pupil.username, `guess-${i}`), `10.1.0.${i + 1}`)));
    assert.ok(guesses.every((g) => !g.ok));
    assert.ok(guesses.some((g) => !g.ok && g.reason === 'locked'), 'the guesses beyond the limit find the account locked without being checked');
    const right = await identity.checkProxyCredentials(basic(pupil.username, pupil.password), '10.1.0.99');
    assert.deepEqual(right, { ok: false, reason: 'locked' }, 'the right password is not accepted once the guesses locked the account');
    const login = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: pupil.username, password: pupil.password } });
    assert.equal(login.statusCode, 423, 'the same lock-out as the log-in page');
    const locks = await t.db.selectFrom('audit_log').select('details').where('entity_id', '=', pupil.id).where('action', '=', 'auth.account_locked').execute();
    assert.equal(locks.length, 1, 'locked once, recorded once');
  });

  it('a locked account gets the same answer on the log-on page whatever the password', async () => {
    const teacher = await t.makePerson(['teacher']);
    for (let i = 0; i < 5; i++) assert.equal((await logOnPage(t, teacher.username, `wrong-${i}`, `10.2.0.${i + 1}`)).status, 401);
    const withWrong = await logOnPage(t, teacher.username, 'still-wrong', '10.2.0.50');
    const withRight = await logOnPage(t, teacher.username, teacher.password, '10.2.0.51');
    assert.equal(withWrong.status, 423);
    assert.equal(withRight.status, withWrong.status);
    assert.equal(withRight.text, withWrong.text, 'the page says exactly the same');
    const identity = t.shared.identity;
    assert.deepEqual(await identity.checkProxyCredentials(basic(teacher.username, teacher.password), '10.2.0.52'), { ok: false, reason: 'locked' });
    assert.deepEqual(await identity.checkProxyCredentials(basic(teacher.username, 'nope'), '10.2.0.53'), { ok: false, reason: 'locked' });
  });

  it('the log-in page counts guesses sent together before checking them: the right one after them is refused', async () => {
    const dsl = await t.makePerson(['dsl'], { twoStep: false });
    const attempts = await Promise.all(Array.from({ length: 12 }, (_, i) => t.app.inject({
      method: 'POST', url: '/api/auth/login', remoteAddress: `10.3.0.${i + 1}`, payload: { username: dsl.username, password: `guess-${i}` },
    })));
    assert.ok(attempts.every((a) => [401, 423].includes(a.statusCode)));
    assert.ok(attempts.filter((a) => a.statusCode === 401).length <= 5, 'no more than the allowance were checked');
    const right = await t.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '10.3.0.99', payload: { username: dsl.username, password: dsl.password } });
    assert.equal(right.statusCode, 423);
  });

  it('a browser repeating the same old saved password is one wrong guess, not one per request', async () => {
    const pupil = await t.makePerson(['pupil'], { yearGroup: 'Year 9' });
    const identity = t.shared.identity;
    for (let i = 0; i < 30; i++) assert.deepEqual(await identity.checkProxyCredentials(basic(pupil.username, 'last-terms-password'), '10.4.0.1'), { ok: false, reason: 'wrong' });
    const row = await t.db.selectFrom('accounts').select(['failed_attempts', 'locked_until']).where('person_id', '=', pupil.id).executeTakeFirstOrThrow();
    assert.equal(row.locked_until, null);
    assert.equal(row.failed_attempts, 1);
    const right = await identity.checkProxyCredentials(basic(pupil.username, pupil.password), '10.4.0.1');
    assert.equal(right.ok, true);
  });
});
