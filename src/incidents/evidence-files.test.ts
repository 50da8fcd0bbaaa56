import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { secretBox } from '../platform/secrets.ts';
import { executableReason, mediaTypeOf } from './evidence-checks.ts';
import { evidencePath, readEvidenceFile, storeEvidenceFile } from './evidence-files.ts';

const PNG_HEADER = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const screenshot = Buffer.concat([PNG_HEADER, Buffer.from('a screenshot of a chat: "meet me after school, do not tell your mum"')]);

test('a screenshot is stored under its SHA-256, encrypted: the file on disk does not contain the words, and reads back exactly', (t) => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'osprey-evidence-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const box = secretBox(randomBytes(32));
  const sha256 = storeEvidenceFile(dataDir, box, screenshot);
  assert.equal(sha256, createHash('sha256').update(screenshot).digest('hex'));
  const onDisk = readFileSync(evidencePath(dataDir, sha256));
  assert.ok(!onDisk.includes(Buffer.from('meet me after school')), 'the plain text must not be on disk');
  assert.ok(!onDisk.includes(PNG_HEADER), 'not even the image header');
  assert.deepEqual(readEvidenceFile(dataDir, box, sha256), screenshot);
  // No temporary files left behind after the atomic write.
  const folder = path.dirname(evidencePath(dataDir, sha256));
  assert.deepEqual(readdirSync(folder), [`${sha256}.enc`]);
  // The same content twice is one file.
  assert.equal(storeEvidenceFile(dataDir, box, Buffer.from(screenshot)), sha256);
  assert.deepEqual(readdirSync(folder), [`${sha256}.enc`]);
});

test('without the installation key, or after tampering, the evidence cannot be read and Osprey says why', (t) => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'osprey-evidence-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const box = secretBox(randomBytes(32));
  const sha256 = storeEvidenceFile(dataDir, box, screenshot);
  assert.throws(() => readEvidenceFile(dataDir, secretBox(randomBytes(32)), sha256), /cannot be decrypted/);
  const file = evidencePath(dataDir, sha256);
  const stored = readFileSync(file);
  stored[stored.length - 1] ^= 0xff;
  writeFileSync(file, stored);
  assert.throws(() => readEvidenceFile(dataDir, box, sha256), /cannot be decrypted: it has been changed/);
  // Uploading the same screenshot again repairs the damaged copy.
  storeEvidenceFile(dataDir, box, screenshot);
  assert.deepEqual(readEvidenceFile(dataDir, box, sha256), screenshot);
  assert.throws(() => readEvidenceFile(dataDir, box, 'f'.repeat(64)), /missing from the evidence folder/);
});

test('programs are recognised by their content whatever they are called, and by their name', () => {
  assert.match(executableReason(Buffer.from('MZ\x90\x00rest of a PE file'), 'homework.png')!, /Windows program/);
  assert.match(executableReason(Buffer.from('\x7fELF\x02\x01\x01'), 'photo.jpg')!, /ELF/);
  assert.match(executableReason(Buffer.from([0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1]), 'notes.txt')!, /Mach-O/);
  assert.match(executableReason(Buffer.from('#!/bin/sh\nrm -rf ~\n'), 'readme.txt')!, /script/);
  assert.match(executableReason(Buffer.from('Set x = CreateObject("WScript.Shell")'), 'Free Robux.VBS')!, /\.vbs/);
  assert.equal(executableReason(screenshot, 'chat.png'), null);
  assert.equal(executableReason(Buffer.from('%PDF-1.7 a letter'), 'letter.pdf'), null);
});

test('the media type comes from the content, not from what the browser claimed', () => {
  assert.equal(mediaTypeOf(screenshot, 'text/html'), 'image/png');
  assert.equal(mediaTypeOf(Buffer.from([0xff, 0xd8, 0xff, 0xe0]), undefined), 'image/jpeg');
  assert.equal(mediaTypeOf(Buffer.from('<html><script>alert(1)</script>'), 'text/html'), 'application/octet-stream');
  assert.equal(mediaTypeOf(Buffer.from('plain notes'), 'text/plain; charset=utf-8'), 'text/plain');
});
