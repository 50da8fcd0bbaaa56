/**
 * People search over the demo school (~3,000 people): API time per search, measured in the server (routing,
 * log-in check, SQL, audit entry, JSON). Prints one summary line; target: median and p95 under 200 ms.
 * Run: npm run bench:search   (embedded database; set DATABASE_URL to measure on a PostgreSQL server)
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.ts';
import { loadDemoSchool } from '../src/directory/demo-load.ts';
import { systemClock } from '../src/platform/context.ts';
import { peopleDirectory } from '../src/directory/index.ts';
import { buildOspreyApp } from '../src/app/http.ts';
import { secretBox } from '../src/platform/secrets.ts';
import { createTestDatabase } from '../test/helpers/database.ts';

const QUERIES = ['smith', 'kh', 'year', 'oliver', 'ali', 'mc', 'p.', 'james', 'ow', 'patel', 'a', 'zz-no-match', 'o\'', 'ahmed', 'le', 'st'];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);

const dataDir = mkdtempSync(path.join(tmpdir(), 'osprey-bench-'));
const handle = await createTestDatabase();
const demo = await loadDemoSchool(handle.db, systemClock);
const config = loadConfig({ OSPREY_DATA_DIR: dataDir }, { logLevel: 'silent' });
const app = await buildOspreyApp({ db: handle.db, clock: systemClock, config, secrets: secretBox(randomBytes(32)), databaseKind: handle.kind, people: peopleDirectory });
await app.ready();

const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: demo.adminPassword } });
const cookie = `osprey_session=${login.cookies.find((c) => c.name === 'osprey_session')!.value}`;
const csrf = login.json().me.csrfToken as string;
await app.inject({ method: 'POST', url: '/api/auth/password', headers: { cookie, 'x-csrf-token': csrf }, payload: { currentPassword: demo.adminPassword, newPassword: 'bench mark password 1' } });
const groups = (await app.inject({ method: 'GET', url: '/api/groups', headers: { cookie } })).json().groups as Array<{ id: string }>;
const total = (await app.inject({ method: 'GET', url: '/api/people?limit=1&status=all', headers: { cookie } })).json().total as number;

const times: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  for (const [i, q] of QUERIES.entries()) {
    const group = i % 4 === 0 ? `&group=${groups[(round + i) % groups.length].id}` : '';
    const t0 = process.hrtime.bigint();
    const res = await app.inject({ method: 'GET', url: `/api/people?q=${encodeURIComponent(q)}${group}&limit=50`, headers: { cookie } });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (res.statusCode !== 200) throw new Error(`search failed: ${res.statusCode} ${res.body}`);
    if (round > 0) times.push(ms); // the first round warms caches and the JIT
  }
}
times.sort((a, b) => a - b);
const at = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
const median = at(0.5);
const p95 = at(0.95);
console.log(`bench people-search: db=${handle.kind} people=${total} searches=${times.length} median_ms=${median.toFixed(1)} p95_ms=${p95.toFixed(1)} max_ms=${times[times.length - 1].toFixed(1)} target_ms=200 ok=${p95 < 200}`);
await app.close();
await handle.close();
rmSync(dataDir, { recursive: true, force: true });
