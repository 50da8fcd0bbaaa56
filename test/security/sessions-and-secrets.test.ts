/**
 * Issue 11 (low): sessions have an absolute lifetime, temporary passwords expire, /metrics is off unless a token is
 * set, and `osprey settings` never prints a secret.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';

describe('sessions and temporary passwords end', () => {
  let t: TestApp;
  before(async () => { t = await createTestApp({ config: { sessionHours: 8, sessionMaxHours: 24, temporaryPasswordHours: 72 } }); });
  after(async () => { await t.close(); });

  it('a session in constant use still ends after the absolute lifetime', async () => {
    const teacher = await t.makePerson(['teacher']);
    const s = await t.logIn(teacher.username);
    for (let h = 0; h < 23; h++) {
      t.clock.advance(60 * 60_000);
      assert.equal((await t.as(s, 'GET', '/api/auth/me')).statusCode, 200, `hour ${h + 1}: busy sessions slide on`);
    }
    t.clock.advance(61 * 60_000);
    assert.equal((await t.as(s, 'GET', '/api/auth/me')).statusCode, 401, 'after 24 hours it is over, however busy');
  });

  it('a temporary password works for its hours, then only an administrator can give a new one', async () => {
    const admin = await t.logIn((await t.makePerson(['administrator'])).username);
    const teacher = await t.makePerson(['teacher']);
    const { temporaryPassword } = (await t.as(admin, 'POST', `/api/people/${teacher.id}/account/temporary-password`)).json();
    t.clock.advance(73 * 3_600_000);
    const late = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: teacher.username, password: temporaryPassword } });
    assert.equal(late.statusCode, 401);
    assert.equal(late.json().error.code, 'temporary_password_expired');
    assert.match(late.json().error.message, /expired.*Ask an Osprey administrator/);
    const wrong = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: teacher.username, password: 'not it' } });
    assert.equal(wrong.json().error.code, 'wrong_credentials', 'only the right password learns that it has expired');
    const admin2 = await t.logIn((await t.makePerson(['administrator'])).username);
    const fresh = (await t.as(admin2, 'POST', `/api/people/${teacher.id}/account/temporary-password`)).json().temporaryPassword;
    const ok = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: teacher.username, password: fresh } });
    assert.equal(ok.statusCode, 200, ok.body);
  });
});

describe('/metrics', () => {
  it('is off unless a token is set, and then needs it', async () => {
    const off = await createTestApp();
    try {
      const res = await off.app.inject('/metrics');
      assert.equal(res.statusCode, 404);
      assert.match(res.json().error.message, /OSPREY_METRICS_TOKEN/);
    } finally { await off.close(); }
    const on = await createTestApp({ config: { metricsToken: 'a-long-random-token-for-the-scraper' } });
    try {
      assert.equal((await on.app.inject('/metrics')).statusCode, 401);
      assert.equal((await on.app.inject({ url: '/metrics', headers: { authorization: 'Bearer a-long-random-token-for-the-scrapeX' } })).statusCode, 401);
      const ok = await on.app.inject({ url: '/metrics', headers: { authorization: 'Bearer a-long-random-token-for-the-scraper' } });
      assert.equal(ok.statusCode, 200);
      assert.match(ok.body, /osprey_http_requests_total/);
    } finally { await on.close(); }
  });
});

describe('osprey settings', () => {
  it('shows that secrets are set without printing them', () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OSPREY_') && k !== 'DATABASE_URL'));
    const res = spawnSync(process.execPath, ['bin/osprey.js', 'settings'], {
      encoding: 'utf8',
      env: {
        ...env, OSPREY_SMTP_URL: 'smtp://osprey:mail-Secret-1@mail.school.example:587', DATABASE_URL: 'postgres://osprey:db-Secret-2@db.school.example/osprey',
        OSPREY_METRICS_TOKEN: 'metrics-Secret-3', OSPREY_UPSTREAM_PROXY: 'http://la:proxy-Secret-4@proxy.la.example:8080',
      },
    });
    assert.equal(res.status, 0, res.stderr);
    for (const secret of ['mail-Secret-1', 'db-Secret-2', 'metrics-Secret-3', 'proxy-Secret-4']) assert.ok(!res.stdout.includes(secret) && !res.stderr.includes(secret), `${secret} was printed`);
    assert.match(res.stdout, /OSPREY_SMTP_URL\s+smtp:\/\/osprey:\*\*\*@mail\.school\.example:587/);
    assert.match(res.stdout, /OSPREY_METRICS_TOKEN\s+\(set, not shown\)/);
  });
});
