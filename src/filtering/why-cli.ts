/** `osprey why`: explain a filtering decision, one at a time or as JSON lines for external checks. */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { AuditActor } from '../platform/audit.ts';
import type { Clock } from '../platform/context.ts';
import type { Db } from '../platform/db.ts';
import { AppError } from '../platform/errors.ts';
import { defaultSchool } from '../platform/setup.ts';
import { SnapshotCache } from './snapshots.ts';
import { why, type WhyAnswer } from './why.ts';

export const WHY_HELP = `Usage: osprey why --url URL [--user USERNAME | --group NAME] [--at TIME] [--json]
       osprey why --batch < questions.jsonl

Says what the filter does with a web address — allowed, blocked, warned, monitored or SafeSearch — and why: the
policy chosen, the list, category or rule that matched, and any schedule in force.

Options:
  --url     The web address or host, e.g. https://www.bet365.com/ or bet365.com.
  --user    A person's username: their groups and roles choose the policy.
  --group   A group name (e.g. "KS2", "Year 10") or a role as role:teacher. Without --user or --group: an
            unidentified device.
  --at      A date and time (ISO, e.g. 2026-11-23T12:30:00Z); now when left out. Schedules use OSPREY_TIME_ZONE.
  --json    Print the decision as JSON.
  --batch   Read questions as JSON lines {"url", "user"?, "group"?, "ip"?, "at"?} on standard input and write one JSON
            decision per line. A line that cannot be answered gets {"error": "..."} and the rest carry on.
            ("ip" is not used yet: identifying devices by address comes with the proxy; such questions are answered
            for an unidentified device and say so.)`;

const VERDICT: Record<string, string> = { allow: 'ALLOWED', block: 'BLOCKED', warn: 'WARNED (may continue)', monitor: 'ALLOWED and monitored', safesearch: 'ALLOWED with SafeSearch' };

function jsonOf(a: WhyAnswer, extra: Record<string, unknown> = {}) {
  return { ...extra, action: a.action, reason: a.reason, policy: a.policy, match: a.match ?? null, safeSearchHost: a.safeSearchHost ?? null, circumvention: a.circumvention ?? false, subject: a.subject, at: a.at, explanation: a.explanation };
}

export async function runWhy(args: string[], deps: { db: Db; clock: Clock; dataDir: string; timeZone: string }, io: { stdin: NodeJS.ReadableStream; out: (s: string) => void }): Promise<number> {
  const { values } = parseArgs({ args, options: { url: { type: 'string' }, user: { type: 'string' }, group: { type: 'string' }, at: { type: 'string' }, json: { type: 'boolean', default: false }, batch: { type: 'boolean', default: false } } });
  const school = await defaultSchool(deps.db);
  if (!school) throw new AppError(2, 'no_school', 'Osprey has not been set up yet. Start it with "npm start" and follow the set-up link first.');
  const actor: AuditActor & { schoolId: string } = { id: null, label: 'command line (why)', ip: null, schoolId: school.id };
  const ctx = { db: deps.db, clock: deps.clock, actor };
  const cache = new SnapshotCache(deps.db, { dataDir: deps.dataDir, timeZone: deps.timeZone });

  if (values.batch) {
    const lines = createInterface({ input: io.stdin, crlfDelay: Infinity });
    let failures = 0;
    for await (const line of lines) {
      if (!line.trim()) continue;
      let q: { url?: unknown; user?: unknown; group?: unknown; ip?: unknown; at?: unknown };
      try {
        q = JSON.parse(line);
        if (!q || typeof q !== 'object' || typeof q.url !== 'string') throw new Error('each line needs a "url" string');
      } catch (e) {
        io.out(JSON.stringify({ error: `not a question: ${(e as Error).message}` }));
        failures++;
        continue;
      }
      try {
        const a = await why(ctx, cache, { url: q.url as string, username: typeof q.user === 'string' ? q.user : undefined, group: typeof q.group === 'string' ? q.group : undefined, at: typeof q.at === 'string' ? q.at : undefined });
        io.out(JSON.stringify(jsonOf(a, { url: q.url, ...(q.user ? { user: q.user } : {}), ...(q.group ? { group: q.group } : {}), ...(q.ip && !q.user && !q.group ? { note: 'identified by address is not available yet; answered for an unidentified device' } : {}) })));
      } catch (e) {
        io.out(JSON.stringify({ url: q.url, error: (e as Error).message }));
        failures++;
      }
    }
    return failures ? 1 : 0;
  }

  if (!values.url) { process.stderr.write('Give the web address to check with --url. Run "osprey why --help" for examples.\n'); return 2; }
  const a = await why(ctx, cache, { url: values.url, username: values.user, group: values.group, at: values.at });
  if (values.json) { io.out(JSON.stringify(jsonOf(a, { url: values.url }), null, 2)); return 0; }
  io.out(`${VERDICT[a.action] ?? a.action}: ${values.url}`);
  io.out(`For ${a.subject}, at ${a.at}, policy "${a.policy.name}".`);
  for (const s of a.explanation) io.out(`  - ${s}`);
  return 0;
}
