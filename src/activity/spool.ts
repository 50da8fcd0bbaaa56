/**
 * The activity spool: append-only segment files under `<dataDir>/spool/`, one JSON line per event. A batch counts as
 * spooled only once it is written *and* fdatasync'd (the write goes first, without waiting for earlier syncs: append); a new segment's directory entry is synced before anything in it
 * is relied on. A segment is deleted only when it is sealed (no more appends) and every chunk read from it has been
 * committed to the database. Segments left by a crash are handed back at open, for replay.
 */
import { closeSync, fsyncSync, openSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdir, open, readdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { pidIsOtherOsprey } from '../platform/data-lock.ts';

export interface Segment {
  seq: number;
  file: string;
  /** Bytes written and synced. */
  bytes: number;
  /** Chunks of this segment not yet committed to the database; deleted at 0 once sealed. */
  openChunks: number;
  sealed: boolean;
  deleted: boolean;
  createdAt: number;
}

export interface SpoolOptions {
  /** A segment is sealed when it reaches this size… */
  maxSegmentBytes: number;
  /** …or this age, so that a quiet school's spool does not hold one file open (and undeletable) for days. */
  maxSegmentAgeMs: number;
  /** How long a segment is kept after all of it is committed: see `keepCommittedMs` in the pipeline's tuning. */
  keepCommittedMs: number;
  onError(err: Error, what: string): void;
}

const SEGMENT = /^activity-(\d{16})\.jsonl$/;
const LOCK = 'activity.lock';
export const REJECTED_FILE = 'activity-rejected.jsonl';

/** Spool folders held by pipelines in this process (the lock file names a pid, which is the same for all of them). */
const heldHere = new Set<string>();

export class SpoolBusyError extends Error {}

/** A range appended to a segment. */
export interface Appended { segment: Segment; start: number; end: number }

/** The open segment, with its fdatasync in flight (if any) and the next one, which covers every write since it began. */
interface OpenSegment { segment: Segment; fh: FileHandle; syncing?: Promise<void>; next?: Promise<void> }

export class Spool {
  private current: OpenSegment | undefined;
  private nextSeq = 1;
  private closed = false;
  private lateFile: string | undefined;
  private readonly deletions = new Map<NodeJS.Timeout, Segment>();
  /** Segments wholly committed whose deletion was waiting out keepCommittedMs when the spool closed. */
  readonly committedAtClose: string[] = [];
  /** Segment files being deleted now; close() waits for them. */
  private readonly removing = new Set<Promise<void>>();
  /** Bytes in segment files not yet deleted (leftovers included). */
  bytesOnDisk = 0;
  /** Appends, seals and closes run one at a time, in order. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(readonly dir: string, private readonly opts: SpoolOptions) {}

  /** Opens (creating) the spool folder, takes its lock and returns the segments a previous run left behind. */
  static async open(dir: string, opts: SpoolOptions): Promise<{ spool: Spool; leftovers: Segment[] }> {
    await mkdir(dir, { recursive: true });
    const resolved = path.resolve(dir);
    if (heldHere.has(resolved)) throw new SpoolBusyError(`The activity spool in ${dir} is already in use by this process. Stop the other activity pipeline first.`);
    const lockFile = path.join(dir, LOCK);
    try {
      const holder = Number(readFileSync(lockFile, 'utf8').trim());
      if (pidIsOtherOsprey(holder)) {
        throw new SpoolBusyError(`The activity spool in ${dir} is in use by another Osprey process (pid ${holder}). Give each Osprey process its own data folder, or stop the other one; if no other Osprey is running, delete ${lockFile}.`);
      }
    } catch (e) {
      if (e instanceof SpoolBusyError) throw e;
    }
    writeFileSync(lockFile, `${process.pid}\n`);
    heldHere.add(resolved);

    const spool = new Spool(dir, opts);
    const leftovers: Segment[] = [];
    for (const name of (await readdir(dir)).sort()) {
      const m = SEGMENT.exec(name);
      if (!m) continue;
      const seq = Number(m[1]);
      spool.nextSeq = Math.max(spool.nextSeq, seq + 1);
      const file = path.join(dir, name);
      const { size } = await stat(file);
      if (size === 0) { await unlink(file).catch(() => {}); continue; }
      leftovers.push({ seq, file, bytes: size, openChunks: 0, sealed: true, deleted: false, createdAt: 0 });
      spool.bytesOnDisk += size;
    }
    return { spool, leftovers };
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }

  /**
   * Appends lines (each ending in a newline) and syncs them. `written` resolves once they are in the file (they then
   * survive the process being killed, though not yet a power cut); `synced` once they are fdatasync'd too (they then
   * survive a crash of any kind). The next append need not wait for this one's sync: syncs run one at a time beside
   * the writes, and one sync covers every write made before it began, so a slow disk makes syncs fewer, not events
   * wait longer in memory. The segment is retained once for the caller, who must `release` it when the lines are in
   * the database (or, if `synced` fails, at once: the lines must then be appended again).
   */
  append(data: string, now = Date.now()): { written: Promise<Appended>; synced: Promise<Appended> } {
    const written = this.serially(async () => {
      if (this.closed) throw new Error('the activity spool is closed');
      let cur = this.current;
      if (cur && (cur.segment.bytes >= this.opts.maxSegmentBytes || now - cur.segment.createdAt >= this.opts.maxSegmentAgeMs)) {
        await this.sealCurrent();
        cur = undefined;
      }
      cur ??= await this.newSegment(now);
      const buf = Buffer.from(data, 'utf8');
      const start = cur.segment.bytes;
      try {
        // Written at an explicit offset: a retry after a failed write overwrites the torn attempt, never duplicates it.
        let done = 0;
        while (done < buf.length) done += (await cur.fh.write(buf, done, buf.length - done, start + done)).bytesWritten;
      } catch (e) {
        await this.sealCurrent();
        throw e;
      }
      cur.segment.bytes += buf.length;
      this.bytesOnDisk += buf.length;
      cur.segment.openChunks++;
      return { range: { segment: cur.segment, start, end: cur.segment.bytes }, sync: this.syncOf(cur) };
    });
    return {
      written: written.then((w) => w.range),
      synced: written.then((w) => w.sync.then(() => w.range, async (e: unknown) => {
        // After a failed sync the kernel may have dropped the dirty pages: never append to this file again.
        await this.serially(async () => { if (this.current?.segment === w.range.segment) await this.sealCurrent(); });
        throw e;
      })),
    };
  }

  /** The fdatasync that will cover a write just made: the next one to begin (see append). */
  private syncOf(cur: OpenSegment): Promise<void> {
    if (cur.next) return cur.next;
    const next = (cur.syncing ?? Promise.resolve()).then(() => {
      cur.next = undefined; // writes from here on need a sync of their own
      const sync = cur.fh.datasync();
      cur.syncing = sync.then(() => {}, () => {});
      return sync;
    });
    cur.next = next;
    return next;
  }

  private async newSegment(now: number): Promise<OpenSegment> {
    const seq = this.nextSeq++;
    const file = path.join(this.dir, `activity-${String(seq).padStart(16, '0')}.jsonl`);
    const fh = await open(file, 'wx');
    try {
      // The new file's name must itself survive a crash, or its synced contents could not be found at replay.
      const dirHandle = await open(this.dir, 'r');
      try { await dirHandle.sync(); } finally { await dirHandle.close(); }
    } catch (e) {
      await fh.close().catch(() => {});
      throw e;
    }
    this.current = { segment: { seq, file, bytes: 0, openChunks: 0, sealed: false, deleted: false, createdAt: now }, fh };
    return this.current;
  }

  private async sealCurrent(): Promise<void> {
    const cur = this.current;
    if (!cur) return;
    this.current = undefined;
    cur.segment.sealed = true;
    // the syncs under way (or waiting to begin) finish before the file is closed under them
    await cur.next?.catch(() => {});
    await cur.syncing;
    await cur.fh.close().catch((e: Error) => this.opts.onError(e, `closing ${cur.segment.file}`));
    this.maybeDelete(cur.segment);
  }

  /** Seals the open segment when it is old and nothing in it is waiting, so that it can be deleted. */
  sealIfIdle(now = Date.now()): Promise<void> {
    return this.serially(async () => {
      const cur = this.current;
      if (!this.closed && cur && cur.segment.openChunks === 0 && now - cur.segment.createdAt >= this.opts.maxSegmentAgeMs) await this.sealCurrent();
    });
  }

  /** One more chunk reads from this segment (a segment replayed from an earlier run). */
  retain(segment: Segment): void {
    segment.openChunks++;
  }

  /** A chunk of this segment is in the database (or was set aside); the segment goes once all are. */
  release(segment: Segment): void {
    segment.openChunks--;
    this.maybeDelete(segment);
  }

  private maybeDelete(segment: Segment): void {
    if (this.closed || !segment.sealed || segment.openChunks > 0 || segment.deleted) return;
    segment.deleted = true;
    const remove = () => {
      const done = unlink(segment.file).then(() => { this.bytesOnDisk -= segment.bytes; }).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'ENOENT') this.opts.onError(e, `deleting ${segment.file}`); })
        .finally(() => this.removing.delete(done));
      this.removing.add(done);
    };
    if (this.opts.keepCommittedMs <= 0) { remove(); return; }
    const timer = setTimeout(() => { this.deletions.delete(timer); void remove(); }, this.opts.keepCommittedMs);
    timer.unref();
    this.deletions.set(timer, segment);
  }

  /** Reads back a range of a segment (for chunks not kept in memory, and for replay). */
  async read(segment: Segment, start: number, end: number): Promise<string> {
    const fh = await open(segment.file, 'r');
    try {
      const buf = Buffer.alloc(end - start);
      let done = 0;
      while (done < buf.length) {
        const { bytesRead } = await fh.read(buf, done, buf.length - done, start + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return buf.toString('utf8', 0, done);
    } finally {
      await fh.close();
    }
  }

  /**
   * Appends synchronously, for events emitted after the pipeline stopped (a front-end still shutting down):
   * slower, but they reach the disk before this returns and are replayed at the next start.
   */
  appendAfterClose(data: string): void {
    this.lateFile ??= path.join(this.dir, `activity-${String(this.nextSeq++).padStart(16, '0')}.jsonl`);
    const fd = openSync(this.lateFile, 'a');
    try {
      writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const dirFd = openSync(this.dir, 'r');
    try { fsyncSync(dirFd); } finally { closeSync(dirFd); }
  }

  /** Keeps events the database refused even one at a time, with the reason, for a person to look at. */
  async setAside(lines: string[], reason: string, now = Date.now()): Promise<void> {
    const fh = await open(path.join(this.dir, REJECTED_FILE), 'a');
    try {
      await fh.write(lines.map((line) => `${JSON.stringify({ at: new Date(now).toISOString(), reason, line })}\n`).join(''));
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  /** Closes the open segment (deleting it if all of it is in the database) and the lock. The rest waits for next start. */
  close(): Promise<void> {
    return this.serially(async () => {
      if (this.closed) return;
      const cur = this.current;
      this.current = undefined;
      if (cur) {
        cur.segment.sealed = true;
        // as in sealCurrent: the syncs under way (or waiting to begin) finish before the file is closed under them,
        // or a caller waiting on `synced` could be told its events are safe by a sync of an already-closed file
        await cur.next?.catch(() => {});
        await cur.syncing;
        await cur.fh.close().catch(() => {});
        if (cur.segment.openChunks === 0) {
          if (this.opts.keepCommittedMs <= 0) await unlink(cur.segment.file).catch(() => {});
          else this.committedAtClose.push(cur.segment.file);
        }
      }
      // Deletions under way finish first, so that a stopped spool holds exactly what the next start must replay.
      await Promise.all([...this.removing]);
      // Segments waiting out keepCommittedMs stay, and are listed: whoever closes the database and syncs its files
      // may delete them (deleteCommitted); otherwise the next start replays them and the database skips every event.
      for (const [timer, segment] of this.deletions) {
        clearTimeout(timer);
        this.committedAtClose.push(segment.file);
      }
      this.deletions.clear();
      this.closed = true;
      heldHere.delete(path.resolve(this.dir));
      try { unlinkSync(path.join(this.dir, LOCK)); } catch { /* already gone */ }
    });
  }

  /**
   * After close, once the database holding every event of them is closed and synced to disk: deletes the segments
   * that were only waiting out keepCommittedMs, so that a clean stop leaves nothing to replay.
   */
  static async deleteCommitted(files: readonly string[]): Promise<void> {
    await Promise.all(files.map((f) => unlink(f).catch(() => {})));
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
