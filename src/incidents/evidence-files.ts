/**
 * Evidence files on disk (R5.4, R10.2): content-addressed by the SHA-256 of the plain content, encrypted at rest with
 * AES-256-GCM. Each file has a key of its own, sealed by the installation's SecretBox (<dataDir>/secret.key) and kept
 * in the file's header, so a copied evidence folder is unreadable without that key. Writes are atomic: a temporary
 * file is written and fsynced, then renamed into place and the folder fsynced.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { SecretBox } from '../platform/secrets.ts';

const MAGIC = Buffer.from('OSPREY-EVIDENCE-1\n', 'ascii');

export const sha256Of = (content: Buffer | string) => createHash('sha256').update(content).digest('hex');

export function evidenceDir(dataDir: string): string {
  return path.join(dataDir, 'evidence');
}

/** Two levels of folders by the hash's first characters, so no folder grows to hundreds of thousands of files. */
export function evidencePath(dataDir: string, sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('not a SHA-256 hash');
  return path.join(evidenceDir(dataDir), sha256.slice(0, 2), sha256.slice(2, 4), `${sha256}.enc`);
}

function encrypt(secrets: SecretBox, content: Buffer): Buffer {
  const fileKey = randomBytes(32);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', fileKey, iv);
  const body = Buffer.concat([cipher.update(content), cipher.final()]);
  const sealedKey = Buffer.from(secrets.seal(fileKey.toString('base64')), 'utf8');
  const keyLength = Buffer.alloc(4);
  keyLength.writeUInt32BE(sealedKey.length);
  return Buffer.concat([MAGIC, keyLength, sealedKey, iv, cipher.getAuthTag(), body]);
}

function decrypt(secrets: SecretBox, stored: Buffer): Buffer {
  if (!stored.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('not an Osprey evidence file');
  let at = MAGIC.length;
  const keyLength = stored.readUInt32BE(at);
  at += 4;
  const fileKey = Buffer.from(secrets.open(stored.subarray(at, at + keyLength).toString('utf8')), 'base64');
  at += keyLength;
  const iv = stored.subarray(at, at + 12);
  const tag = stored.subarray(at + 12, at + 28);
  const decipher = createDecipheriv('aes-256-gcm', fileKey, iv);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(stored.subarray(at + 28)), decipher.final()]);
}

function fsyncFolder(dir: string): void {
  const fd = openSync(dir, 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
}

/**
 * Stores `content` (once: the same content uploaded twice is one file) and returns its SHA-256. The hash is of the
 * plain content, so it matches what an investigator computes from their own copy.
 */
export function storeEvidenceFile(dataDir: string, secrets: SecretBox, content: Buffer): string {
  const sha256 = sha256Of(content);
  const file = evidencePath(dataDir, sha256);
  if (existsSync(file)) {
    try {
      if (sha256Of(decrypt(secrets, readFileSync(file))) === sha256) return sha256;
    } catch {
      // A damaged or foreign file under this name: replace it with a good copy below.
    }
  }
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    const data = encrypt(secrets, content);
    let written = 0;
    while (written < data.length) written += writeSync(fd, data, written, data.length - written);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, file);
  fsyncFolder(dir);
  return sha256;
}

/** The plain content of a stored file, checked against its hash (a changed file is reported, never served). */
export function readEvidenceFile(dataDir: string, secrets: SecretBox, sha256: string): Buffer {
  const file = evidencePath(dataDir, sha256);
  if (!existsSync(file)) throw new EvidenceFileProblem(`The evidence file ${sha256.slice(0, 12)}… is missing from the evidence folder. Restore the data folder from a backup.`);
  let content: Buffer;
  try {
    content = decrypt(secrets, readFileSync(file));
  } catch {
    throw new EvidenceFileProblem(`The evidence file ${sha256.slice(0, 12)}… cannot be decrypted: it has been changed or the installation key (secret.key) is not the one it was stored with.`);
  }
  if (sha256Of(content) !== sha256) throw new EvidenceFileProblem(`The evidence file ${sha256.slice(0, 12)}… does not match its recorded SHA-256 hash: it has been changed.`);
  return content;
}

export class EvidenceFileProblem extends Error {}
