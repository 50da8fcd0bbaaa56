/**
 * The Osprey side of bench/proxy.ts: a school set up as a real one would be, then the same composition as
 * `osprey serve` — startServer from src/app/server.ts, with identity, policies, the activity pipeline into the
 * database (PGlite in the bench's data folder, or the PostgreSQL server DATABASE_URL names) and monitoring.
 *
 * The school: the demo school (about 1,200 pupils and their key-stage groups, loaded as `osprey demo` does), the
 * bench's UT1 category folder imported as a list source (as `osprey lists import DIR --vendor ut1` does), the load
 * generator's address (127.0.0.0/8) registered as the ICT suite's range in Key Stage 3, and the Key Stage 3 policy
 * told to block advertising too, so that Osprey blocks the same 14 UT1 categories the peers do (the rest of its
 * shipped pupil policy names categories for which no list is loaded).
 *
 * Set-up writes to the database through the services the command line uses and closes it again; after that only
 * public entry points are used (loadConfig, startServer, and the running server's activity pipeline and close), so
 * the bench keeps working however the server arranges its threads.
 *
 * Talks to bench/proxy.ts over stdin/stdout, one JSON object a line:
 *   → {"bench":true,"ready":true,"proxyPort":…,"httpPort":…,"setupSeconds":…}
 *   ← drain     → {"bench":true,"drainSeconds":…,"drained":true,"stats":{…}}   (from the command until every event is stored)
 *   ← stop      → the server is closed and the process exits
 */
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { loadConfig } from '../../src/config.ts';
import { loadDemoSchool } from '../../src/directory/demo-load.ts';
import { policiesForEngine, updatePolicy } from '../../src/filtering/policy/service.ts';
import * as policyStore from '../../src/filtering/policy/store.ts';
import { insertRange } from '../../src/filtering/identity/store.ts';
import { importListSource } from '../../src/filtering/sources/service.ts';
import { systemClock } from '../../src/platform/context.ts';
import { openConfiguredDatabase, startServer } from '../../src/app/server.ts';
import { defaultSchool } from '../../src/platform/setup.ts';

export interface OspreyBenchOptions {
  dataDir: string;
  /** A UT1-style folder: <category>/domains for each blocked category. */
  listsDir: string;
  proxyPort: number;
  workers: number;
  /** The catch-all resolver every proxy in the bench uses. */
  resolver: string;
  /** host:port of the local origin, which the proxy opens only when told to (it is on loopback). */
  origin: string;
  databaseUrl?: string;
}

/** The server logs to stdout too; the bench reads only the lines marked as its own. */
const send = (o: object) => process.stdout.write(`${JSON.stringify({ bench: true, ...o })}\n`);

/** The environment `osprey serve` would be started with; nothing of the caller's OSPREY_* settings leaks in. */
function benchEnvironment(o: OspreyBenchOptions): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OSPREY_') && k !== 'DATABASE_URL'));
  return {
    ...env,
    OSPREY_DATA_DIR: o.dataDir, OSPREY_HTTP_HOST: '127.0.0.1', OSPREY_HTTP_PORT: '0', OSPREY_FILTER_HOST: '127.0.0.1',
    OSPREY_PROXY_PORT: String(o.proxyPort), OSPREY_FRONT_ENDS: 'proxy', OSPREY_PROXY_WORKERS: String(o.workers),
    OSPREY_PROXY_DNS_SERVERS: o.resolver, OSPREY_PROXY_ALLOWED_DESTINATIONS: o.origin, OSPREY_LOG_LEVEL: 'warn',
    ...(o.databaseUrl ? { DATABASE_URL: o.databaseUrl } : {}),
  };
}

/** The school, its lists, the ICT suite's range and the Key Stage 3 policy; the database is closed again after. */
async function setUpSchool(o: OspreyBenchOptions): Promise<void> {
  const config = loadConfig(benchEnvironment(o));
  const handle = await openConfiguredDatabase(config);
  try {
    await loadDemoSchool(handle.db, systemClock);
    const school = await defaultSchool(handle.db);
    if (!school) throw new Error('the demo school was not created');
    const actor = { id: null, label: 'bench/proxy.ts', ip: null, schoolId: school.id };
    const imported = await importListSource({ db: handle.db, clock: systemClock, dataDir: config.dataDir }, actor,
      { name: 'UT1 bench categories', location: o.listsDir, vendor: 'ut1', reason: 'The benchmark blocks the same lists as its peers' });
    const total = Object.values(imported.entries).reduce((a, b) => a + b, 0);
    if (total === 0) throw new Error(`no list entries were imported from ${o.listsDir}`);
    process.stderr.write(`osprey: imported ${total} list entries (${Object.entries(imported.entries).map(([c, n]) => `${c} ${n}`).join(', ')}); ${imported.problemsCount} lines skipped\n`);

    await policiesForEngine(handle.db, school.id, new Date()); // installs the shipped policies and links key stages
    const ks3Group = await handle.db.selectFrom('groups').select('id').where('school_id', '=', school.id).where('kind', '=', 'key_stage').where('name', '=', 'KS3').executeTakeFirstOrThrow();
    const ks3 = (await policyStore.listPolicies(handle.db, school.id)).find((p) => p.key === 'ks3');
    if (!ks3) throw new Error('the shipped Key Stage 3 policy is missing');
    if (!ks3.targets.includes(ks3Group.id)) throw new Error('the Key Stage 3 policy is not linked to the KS3 group');
    await updatePolicy({ db: handle.db, clock: systemClock, actor }, ks3.id, {
      expectedVersion: ks3.version, reason: 'The benchmark blocks advertising, as its peers do',
      document: {
        name: ks3.name, description: ks3.description, priority: ks3.priority, defaultAction: ks3.defaultAction, safeSearch: ks3.safeSearch,
        categoryActions: { ...ks3.categoryActions, advertising: 'block' }, schedules: ks3.schedules, localBlock: ks3.localBlock,
        localAllow: ks3.localAllow, targets: ks3.targets,
      },
    });
    await insertRange(handle.db, { id: randomUUID(), schoolId: school.id, cidr: '127.0.0.0/8', name: 'ICT suite', kind: 'range', groupIds: [ks3Group.id], note: 'the benchmark\'s load generator' }, new Date());
  } finally {
    await handle.close();
  }
}

export async function serveOspreyForBench(o: OspreyBenchOptions): Promise<void> {
  const began = performance.now();
  await setUpSchool(o);
  const server = await startServer(loadConfig(benchEnvironment(o)));
  const frontEnds = await server.filteringStarted;
  if (frontEnds.proxyPort === undefined) throw new Error('the web proxy did not start');
  send({ ready: true, proxyPort: frontEnds.proxyPort, httpPort: server.port, setupSeconds: (performance.now() - began) / 1000 });

  let closing: Promise<void> | undefined;
  const stop = () => {
    closing ??= server.close().then(() => process.exit(0), (e: unknown) => { process.stderr.write(`osprey: close failed: ${(e as Error).stack}\n`); process.exit(1); });
    return closing;
  };
  process.once('SIGTERM', () => void stop());
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'drain') {
      const t0 = performance.now();
      const drained = await server.activity.drain(300_000);
      send({ drainSeconds: (performance.now() - t0) / 1000, drained, stats: server.activity.stats() });
    } else if (line === 'stats') {
      send({ stats: server.activity.stats() });
    } else if (line === 'stop') {
      await stop();
    }
  }
  await stop(); // stdin closed: the bench has gone
}
