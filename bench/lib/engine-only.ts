/**
 * bench/proxy.ts --engine-only: the proxy alone, NOT the product. The engine's compiled snapshot, a fixed identity
 * table and an activity sink that only counts — no database, no activity pipeline, no monitoring, no web interface.
 * It shows what the decision path costs by itself; `npm run bench:proxy` without the flag measures what a school runs.
 */
import { compileSnapshot, type Policy } from '../../src/filtering/engine/index.ts';
import { staticIdentity } from '../../src/filtering/identity/service.ts';
import { startProxy } from '../../src/filtering/proxy/index.ts';
import { readCategoryDomains } from './lists.ts';

export async function serveEngineOnly(o: { listsDir: string; categories: string[]; proxyPort: number; workers: number; resolver: string; origin: string }): Promise<void> {
  const lists = readCategoryDomains(o.listsDir, o.categories);
  const pupils: Policy = {
    id: 'pupils', name: 'Pupils', priority: 10, groupIds: [], defaultAction: 'allow', safeSearch: false,
    categoryActions: Object.fromEntries(o.categories.map((c) => [c, 'block'])), schedules: [], localBlock: [], localAllow: [], exceptions: [],
  };
  const snapshot = compileSnapshot({
    categories: o.categories.map((id) => ({ id, name: id, description: `${id} (UT1)`, illegal: false })),
    lists: [...lists].map(([categoryId, domains]) => ({ sourceId: 'ut1', categoryId, domains, urls: [], expressions: [] })),
    policies: [pupils], unidentifiedPolicyId: 'pupils', timeZone: 'Europe/London',
  }, { shared: true });
  let events = 0;
  const proxy = await startProxy({
    host: '127.0.0.1', port: o.proxyPort, workers: o.workers, view: { snapshotFor: () => snapshot, activity: { emit: () => { events++; } }, node: 'bench' },
    identity: staticIdentity({ schoolId: 'bench', settings: { unidentified: 'fallback', logonMinutes: 60 }, ranges: [], sessions: [] }),
    dnsServers: [o.resolver],
    destinations: { allowed: [o.origin] },
  });
  process.stdout.write(`${JSON.stringify({ bench: true, ready: true, proxyPort: proxy.port })}\n`);
  process.on('SIGTERM', () => { void proxy.close().then(() => { process.stderr.write(`osprey (engine only): ${events} events counted and dropped\n`); process.exit(0); }); });
}
