/**
 * R2.4 "warn: continue after acknowledging; logged", end to end: through the real `osprey serve` and its web proxy a
 * visitor is warned, chooses Continue, and reads the page; the activity log in the real database (embedded or
 * PostgreSQL) then marks those requests as made past a warning, the Activity search finds them with the "warned, and
 * went on" filter, and the CSV says so. The internet is a local web server and DNS server of the test's own.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFakeUpstream, type FakeUpstream } from './fixtures/dns/upstream.ts';
import { viaProxy } from './fixtures/proxy/harness.ts';
import { enrolTwoStep } from './helpers/two-step.ts';
import { osprey, ospreyEnv, scratchDatabase, serve, stopped, type Served } from './helpers/serve.ts';
import { waitFor } from './helpers/wait.ts';

const SITE = 'www.kestrel-forum.org';

describe('going on past a warning is logged', () => {
  const cleanups: Array<() => unknown> = [];
  let server: Served;
  let webPort = 0;
  let api: (method: string, p: string, body?: unknown) => Promise<Response>;

  before(async () => {
    const web: Server = createServer((req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(`forum page ${req.url}`));
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    webPort = (web.address() as AddressInfo).port;
    cleanups.push(() => new Promise((resolve) => web.close(resolve)));
    const names: FakeUpstream = await startFakeUpstream([{ name: SITE, type: 'A', ttl: 300, data: '127.0.0.1' }]);
    cleanups.push(() => names.close());

    const dataDir = mkdtempSync(path.join(tmpdir(), 'osprey-warned-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const scratch = await scratchDatabase('osprey_warned');
    if (scratch) cleanups.push(() => scratch.drop());
    const env = ospreyEnv(dataDir, scratch?.url, {
      OSPREY_FRONT_ENDS: 'proxy', OSPREY_PROXY_DNS_SERVERS: names.address,
      OSPREY_PROXY_ALLOWED_DESTINATIONS: `127.0.0.1:${webPort}`,
    });
    const created = osprey(['admin', 'create', '--username', 'c.macleod', '--first-name', 'Callum', '--last-name', 'MacLeod', '--school', 'Kestrel Academy'], env);
    const temporary = /Temporary password: (\S+)/.exec(created)![1];
    server = await serve(env);
    cleanups.push(async () => { server.child.kill('SIGTERM'); await stopped(server.child); });

    let cookie = '';
    let csrf = '';
    api = (method, p, body) => fetch(`${server.url}${p}`, {
      method, headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = async (method: string, p: string, body?: unknown) => {
      const res = await api(method, p, body);
      const data = await res.json() as Record<string, unknown>;
      assert.ok(res.ok, `${method} ${p}: ${res.status} ${JSON.stringify(data)}`);
      return { data, res };
    };
    const login = await json('POST', '/api/auth/login', { username: 'c.macleod', password: temporary });
    cookie = login.res.headers.get('set-cookie')!.split(';')[0];
    csrf = (login.data.me as { csrfToken: string }).csrfToken;
    await enrolTwoStep(async (m, p, b) => (await json(m, p, b)).data, 'c.macleod', temporary);
    await json('POST', '/api/auth/password', { currentPassword: temporary, newPassword: 'heron-quarry-lantern-7' });

    // Visitors (devices nobody has identified) are warned before any site opens.
    const { data: list } = await json('GET', '/api/filtering/policies');
    const id = (list.policies as Array<{ id: string; key: string }>).find((p) => p.key === 'unidentified')!.id;
    const { data: policy } = await json('GET', `/api/filtering/policies/${id}`);
    const document = Object.fromEntries(['name', 'description', 'priority', 'defaultAction', 'safeSearch', 'categoryActions', 'schedules', 'localBlock', 'localAllow', 'targets'].map((k) => [k, policy[k]]));
    document.defaultAction = 'warn';
    await json('PUT', `/api/filtering/policies/${id}`, { document, reason: 'Visitors see a warning first', expectedVersion: policy.version });
  });

  after(async () => { for (const c of cleanups.reverse()) await c(); });

  it('a visitor warned, who chooses Continue, is let through, and the Activity search and CSV say they went on', async () => {
    const page = `http://${SITE}:${webPort}/threads/42`;
    const warned = await waitFor('the warning page (the policy change reaching the proxy)', async () => {
      const r = await viaProxy(server.proxyPort, page);
      return r.status === 403 && /Before you continue/.test(r.body) ? r : undefined;
    });
    const token = /name="token" value="([^"]+)"/.exec(warned.body)![1];
    const cont = await viaProxy(server.proxyPort, `http://${SITE}:${webPort}/__osprey/continue`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token, to: page }).toString(),
    });
    assert.equal(cont.status, 303);
    const read = await viaProxy(server.proxyPort, page);
    assert.equal(read.status, 200);
    assert.equal(read.body, 'forum page /threads/42');

    type Found = { events: Array<{ url: string | null; action: string; acknowledged: boolean }> };
    const found = await waitFor('the requests past the warning in the activity log', async () => {
      const r = await (await api('GET', '/api/activity?action=warn-continued')).json() as Found;
      return r.events.some((e) => e.url === page) ? r : undefined;
    });
    assert.ok(found.events.every((e) => e.action === 'warn' && e.acknowledged), 'the filter finds only requests made past a warning');
    const all = await (await api('GET', `/api/activity?host=${SITE}`)).json() as Found;
    const warning = all.events.filter((e) => e.url === page && e.action === 'warn' && !e.acknowledged);
    assert.equal(warning.length, 1, 'the warning itself is logged as a warning the person had not gone past');

    const csv = (await (await api('GET', '/api/activity.csv?action=warn-continued')).text()).replace(/^\ufeff/, '').trim().split('\r\n');
    const header = csv[0].split(',');
    const column = header.indexOf('Went on past a warning');
    assert.ok(column > 0, `the CSV has the column: ${csv[0]}`);
    const line = csv.find((l) => l.includes('/threads/42'));
    assert.ok(line, `the CSV has the request:\n${csv.join('\n')}`);
    assert.equal(line.split(',')[column], 'yes');
  });

  it('refuses an action filter it does not know, saying which it knows', async () => {
    const r = await api('GET', '/api/activity?action=continued');
    assert.equal(r.status, 400);
    assert.match(await r.text(), /warn-continued/);
  });
});
