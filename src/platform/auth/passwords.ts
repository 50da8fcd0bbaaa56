/** Password hashing (argon2id, R1.5) and temporary passwords. The rules people see are in password-rules.ts. */
import { hash, verify } from '@node-rs/argon2';
import { randomInt } from 'node:crypto';

export { MIN_PASSWORD_LENGTH, passwordProblem } from './password-rules.ts';

// OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
const ARGON2ID = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

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

const WORDS = ['amber', 'birch', 'cedar', 'delta', 'ember', 'fjord', 'grove', 'heron', 'inlet', 'jetty', 'kite', 'larch', 'maple',
  'north', 'otter', 'pebble', 'quill', 'raven', 'slate', 'thistle', 'umber', 'violet', 'willow', 'yarrow', 'zephyr', 'acorn',
  'brook', 'clover', 'dune', 'fern', 'harbour', 'meadow', 'orchard', 'puffin', 'ridge', 'spruce', 'tide', 'valley', 'wren'];

/** A temporary password that is easy to read out or copy from a letter: three words and two digits. */
export function temporaryPassword(): string {
  const w = () => WORDS[randomInt(WORDS.length)];
  return `${w()}-${w()}-${w()}-${randomInt(10, 100)}`;
}
