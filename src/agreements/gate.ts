/**
 * The filter's side of agreements (R6.4, R1.4): the people whose internet is held back until they sign. Published
 * with the identity tables (to proxy worker threads and filter nodes), so the decision path looks it up in memory.
 */
import type { Db } from '../platform/db.ts';
import { assess } from './assess.ts';

export interface AgreementGate {
  /** People (ids) who must sign before browsing: unsigned, out of any grace period, with gating on. */
  mustSign: string[];
  /** The sign page's path on the Osprey server. */
  signPath: string;
}

export const SIGN_PATH = '/agreements/sign';

export async function agreementGateFor(db: Db, schoolId: string, now: Date): Promise<AgreementGate> {
  const { settings, due } = await assess(db, schoolId, now);
  if (!settings.gating) return { mustSign: [], signPath: SIGN_PATH };
  const mustSign = new Set(due.filter((d) => d.status === 'unsigned').map((d) => d.person.id));
  return { mustSign: [...mustSign].sort(), signPath: SIGN_PATH };
}
