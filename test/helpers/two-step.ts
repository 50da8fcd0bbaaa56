/**
 * A test's authenticator app: people whose roles need two-step verification (issue 11) set it up through the real
 * API, as they would with a phone, and their later log-ins send the code the app shows — or, when that code was
 * already used at this moment (a code works once), one of their recovery codes.
 */
import { authenticator } from 'otplib';

interface Phone { secret: string; usedSteps: Set<number>; recovery: string[] }
const phones = new Map<string, Phone>();

/** Calls the Osprey API as the person being set up: (method, path, body) → the JSON answer (throws on an error). */
export type Call = (method: string, path: string, body?: unknown) => Promise<unknown>;

/** Sets up two-step verification with the person's password; remembers the secret and recovery codes. */
export async function enrolTwoStep(call: Call, username: string, password: string, now = () => Date.now()): Promise<void> {
  const { secret } = await call('POST', '/api/auth/mfa/start', { password }) as { secret: string };
  const step = Math.floor(now() / 30_000);
  const code = authenticator.clone({ epoch: now() }).generate(secret);
  const { recoveryCodes } = await call('POST', '/api/auth/mfa/confirm', { code }) as { recoveryCodes: string[] };
  phones.set(username.toLowerCase(), { secret, usedSteps: new Set([step]), recovery: [...recoveryCodes] });
}

/** Remembers a phone set up directly in the database (test/helpers/app.ts makes people that way). */
export function rememberPhone(username: string, secret: string, recovery: string[]): void {
  phones.set(username.toLowerCase(), { secret, usedSteps: new Set(), recovery: [...recovery] });
}

/** The code to send at log-in for this person, or undefined when they have not set up two-step verification here. */
export function twoStepCode(username: string, now = () => Date.now()): string | undefined {
  const phone = phones.get(username.toLowerCase());
  if (!phone) return undefined;
  const step = Math.floor(now() / 30_000);
  if (!phone.usedSteps.has(step)) {
    phone.usedSteps.add(step);
    return authenticator.clone({ epoch: now() }).generate(phone.secret);
  }
  const code = phone.recovery.shift();
  if (!code) throw new Error(`${username} has used all ten recovery codes in this test; log in less often`);
  return code;
}

/** What `/api/auth/me` says about two-step verification. */
export interface MeTwoStep { mfa?: { required: boolean; enrolled: boolean; verified: boolean } }

/** After a log-in that answered `me`: whether this session still has to set up two-step verification. */
export const mustEnrol = (me: MeTwoStep | undefined) => Boolean(me?.mfa?.required && !me.mfa.enrolled);
