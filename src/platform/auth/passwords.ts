/** Password hashing (argon2id, R1.5), the password rules people see, and temporary passwords. */
import { hash, verify } from '@node-rs/argon2';
import { randomInt } from 'node:crypto';

// OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
const ARGON2ID = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 10;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2ID);
}

export async function verifyPassword(hashed: string, password: string): Promise<boolean> {
  try {
    return await verify(hashed, password);
  } catch {
    return false;
  }
}

/** A hash of a random password, verified against when no account exists so the answer takes the same time. */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(`decoy-${randomInt(1e9)}`);
  return decoy;
}

const COMMON = new Set(['password', 'password1', 'password123', 'qwertyuiop', '1234567890', 'letmein123', 'welcome123', 'iloveyou12', 'football12', 'changeme12']);

/** Returns what is wrong with a new password, in words a person can act on, or undefined when it is fine. */
export function passwordProblem(password: string, username: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `Choose a password of at least ${MIN_PASSWORD_LENGTH} characters. Three random words work well.`;
  if (password.length > 200) return 'Choose a password of at most 200 characters.';
  if (password.toLowerCase().includes(username.toLowerCase())) return 'Choose a password that does not contain your username.';
  if (COMMON.has(password.toLowerCase()) || /^(.)\1+$/.test(password)) return 'That password is too easy to guess. Choose another — three random words work well.';
  return undefined;
}

const WORDS = ['amber', 'birch', 'cedar', 'delta', 'ember', 'fjord', 'grove', 'heron', 'inlet', 'jetty', 'kite', 'larch', 'maple',
  'north', 'otter', 'pebble', 'quill', 'raven', 'slate', 'thistle', 'umber', 'violet', 'willow', 'yarrow', 'zephyr', 'acorn',
  'brook', 'clover', 'dune', 'fern', 'harbour', 'meadow', 'orchard', 'puffin', 'ridge', 'spruce', 'tide', 'valley', 'wren'];

/** A temporary password that is easy to read out or copy from a letter: three words and two digits. */
export function temporaryPassword(): string {
  const w = () => WORDS[randomInt(WORDS.length)];
  return `${w()}-${w()}-${w()}-${randomInt(10, 100)}`;
}
