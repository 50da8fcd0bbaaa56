/** `osprey consent check`: may this pupil's image be used for this purpose? Exit code 0 yes, 1 no, 2 usage error. */
import { parseArgs } from 'node:util';
import type { AuditActor } from '../platform/audit.ts';
import type { Clock } from '../platform/context.ts';
import type { Db } from '../platform/db.ts';
import { defaultSchool } from '../platform/setup.ts';
import { checkConsent, resolvePupil } from './consent-service.ts';
import { CONSENT_USES, findConsentUse } from './consent-uses.ts';

export const CONSENT_HELP = `Usage: osprey consent check --pupil USERNAME|NAME --use USE [--json]

Answers "may this pupil's photo or video be used for this purpose?" from the consents their parents or carers have
given, refused or withdrawn: yes or no, who decided and when. With no decision on record the answer is no, and a
pupil who has left the school is always no. Every check is recorded in the audit log.

Exit code: 0 yes, 1 no, 2 the question could not be answered (unknown or ambiguous pupil, unknown use).

Options:
  --pupil   The pupil's username (e.g. aokafor01) or name (e.g. "Amara Okafor"). If several pupils match, they are
            listed: ask again with the username.
  --use     What the image is for: ${CONSENT_USES.map((u) => u.key).join(', ')}.
            (Also understood: newsletter and prospectus for print, webcam for video, blog for website.)
  --json    Print the answer as JSON.

Remember: never put a pupil's full name beside their image.`;

export async function runConsentCommand(args: string[], deps: { db: Db; clock: Clock; timeZone: string }, io: { out(s: string): void; err(s: string): void }): Promise<number> {
  const [action, ...rest] = args;
  if (action !== 'check') { io.err('Say what to do: "osprey consent check --pupil NAME --use website". Run "osprey consent --help" for more.'); return 2; }
  let values: { pupil?: string; use?: string; json?: boolean };
  try {
    ({ values } = parseArgs({ args: rest, options: { pupil: { type: 'string' }, use: { type: 'string' }, json: { type: 'boolean', default: false } } }));
  } catch (e) {
    io.err(`${(e as Error).message}. Run "osprey consent --help" to see the options.`);
    return 2;
  }
  if (!values.pupil?.trim()) { io.err('Say which pupil with --pupil (a username or a name).'); return 2; }
  if (!values.use?.trim()) { io.err(`Say what the image is for with --use: ${CONSENT_USES.map((u) => u.key).join(', ')}.`); return 2; }
  const use = findConsentUse(values.use);
  if (!use) { io.err(`"${values.use}" is not a use Osprey knows. Use one of: ${CONSENT_USES.map((u) => u.key).join(', ')}.`); return 2; }
  const school = await defaultSchool(deps.db);
  if (!school) { io.err('Osprey has not been set up yet. Start it with "npm start" and follow the set-up link first.'); return 2; }
  const actor: AuditActor & { schoolId: string } = { id: null, label: 'command line (consent check)', ip: null, schoolId: school.id };
  const ctx = { db: deps.db, clock: deps.clock, actor };
  const found = await resolvePupil(ctx, values.pupil);
  if (!found.pupil) {
    if (found.matches.length === 0) { io.err(`No pupil matches "${values.pupil}". Check the spelling, or use their username.`); return 2; }
    io.err(`${found.matches.length === 20 ? 'At least 20' : found.matches.length} pupils match "${values.pupil}". Ask again with one of these usernames:`);
    for (const m of found.matches) io.err(`  ${m.username.padEnd(20)} ${m.name}${m.yearGroup ? `, ${m.yearGroup}` : ''}${m.status === 'leaver' ? ' (left the school)' : ''}`);
    return 2;
  }
  const answer = await checkConsent(ctx, found.pupil.id, use.key, deps.timeZone);
  if (values.json) {
    io.out(JSON.stringify(answer, null, 2));
  } else {
    io.out(`${answer.allowed ? 'YES' : 'NO'}: ${answer.pupil.name}${answer.pupil.yearGroup ? ` (${answer.pupil.yearGroup})` : ''}, ${use.label.toLowerCase()}.`);
    io.out(answer.summary);
    io.out(`Remember: ${answer.reminder.charAt(0).toLowerCase()}${answer.reminder.slice(1)}`);
  }
  return answer.allowed ? 0 : 1;
}
