/**
 * The activity pipeline (ARCHITECTURE: the activity path): emit → memory → spool file (fdatasync per batch) → batch
 * insert → spool segment deleted. The guarantee, precisely: once `flush()` has resolved, every event emitted before
 * the call is on disk and will be in the database exactly once — through a process crash (the spool is replayed at
 * the next start), a database outage (inserts are retried with backoff, for as long as it takes) or both. Events
 * not yet flushed live in memory for at most `flushIntervalMs` (50 ms by default) plus one fsync. (On PGlite, which
 * never fsyncs, see `keepCommittedMs`: committed segments are kept a minute so that a power cut is repaired too.)
 *
 * Memory is bounded: spooled batches are kept in memory for the insert only up to `maxMemoryBytes`; beyond that
 * (a long outage) they are read back from the spool file when the database returns.
 */
import path from 'node:path';
import type { Db } from '../platform/db.ts';
import { ActivityEncoder, decodeLine, totalKeyOf } from './encode.ts';
import { applyActivityRetention, utcDayOf } from './partitions.ts';
import { Spool, type Segment } from './spool.ts';
import {
  DEFAULT_TUNING, type ActivityLogger, type ActivityPipeline, type ActivityPipelineOptions, type ActivityPipelineStats, type ActivityTuning,
} from './pipeline-types.ts';
import type { ActivityEvent } from './types.ts';
import { ActivityRejectedError, DatabaseActivityWriter, openWriterDatabase, type ActivityBatchWriter } from './writer.ts';

export type { ActivityLogger, ActivityPipeline, ActivityPipelineOptions, ActivityPipelineStats, ActivityTuning };

interface Chunk {
  ordinal: number;
  segment: Segment;
  start: number;
  end: number;
  /** Events in memory for the insert; null when left on disk (spilled, or replayed from an earlier run). */
  lines: string[] | null;
  /** Each line's daily-totals key (encode.ts totalKeyOf), with the lines. */
  totals: string[] | null;
  /** Each line's COPY row (encode.ts copyRowOf), with the lines. */
  rows: string[] | null;
  days: Set<number> | null;
  bytes: number;
  /** Left in the spool by the previous run (counted in the replay's progress). */
  replay?: boolean;
}

/** One turn of the event loop: messages, timers and finished writes are handled before going on. */
/** Lines read back from the spool decoded between two turns of the event loop (see run). */
const DECODE_SLICE = 5000;
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** A wait that does not by itself keep the process alive (retries of the database, limits on stop). */
const idle = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
const silent: ActivityLogger = { info() {}, warn() {}, error() {} };

class Pipeline implements ActivityPipeline {
  private readonly t: ActivityTuning;
  private readonly encoder: ActivityEncoder;
  private readonly log: ActivityLogger;
  private readonly onStored: ActivityPipelineOptions['onStored'];
  private pending: string[] = [];
  private pendingTotals: string[] = [];
  private pendingRows: string[] = [];
  private pendingDays = new Set<number>();
  private pendingBytes = 0;
  private writeTimer: NodeJS.Timeout | undefined;
  private writeSoon = false;
  private writing = false;
  private lastWriteAt = 0;
  private wakeWriter: (() => void) | undefined;
  private flushWaiters: Array<{ target: number; resolve(): void }> = [];
  private readonly queue: Chunk[] = [];
  private readonly outstanding = new Set<number>();
  private nextOrdinal = 1;
  private drainWaiters: Array<{ target: number; resolve(ok: boolean): void }> = [];
  private wakeWorkers: Array<() => void> = [];
  private workers: Promise<void>[] = [];
  private ticker: NodeJS.Timeout | undefined;
  private stopping = false;
  /** From the last flush in stop(): emit writes straight to disk, as nothing will write the memory buffer again. */
  private closing = false;
  private closed = false;
  private stopped: Promise<void> | undefined;
  private failingSince = 0;
  private lastFailureLog = 0;
  private readonly s = { emitted: 0, spooled: 0, stored: 0, duplicates: 0, setAside: 0, dropped: 0, memoryBytes: 0, databaseOk: true, spoolOk: true, replayBytes: 0, replayedBytes: 0 };
  private spoolFull = false;
  private lastFullLog = 0;

  constructor(private readonly spool: Spool, private readonly writer: ActivityBatchWriter, opts: ActivityPipelineOptions, tuning: ActivityTuning,
    private readonly ownDb?: Db) {
    this.t = tuning;
    this.log = opts.log ?? silent;
    this.onStored = opts.onStored;
    this.encoder = new ActivityEncoder(opts.node ?? 'control-plane');
  }

  emit(event: ActivityEvent): void {
    try {
      const { line, row, time, total } = this.encoder.encode(event);
      if (this.closing) {
        this.spool.appendAfterClose(`${line}\n`);
        this.s.emitted++;
        this.s.spooled++;
        return;
      }
      if (this.spool.bytesOnDisk + this.pendingBytes > this.t.maxSpoolBytes) {
        this.s.dropped++;
        this.noteSpoolFull(true);
        return;
      }
      if (this.spoolFull) this.noteSpoolFull(false);
      if (this.pendingBytes > this.t.maxPendingBytes) {
        this.s.dropped++;
        this.noteFailure('spool', new Error('the spool disk is failing and the memory for waiting events is full'));
        return;
      }
      this.pending.push(line);
      this.pendingTotals.push(total);
      this.pendingRows.push(row);
      this.pendingDays.add(utcDayOf(time));
      this.pendingBytes += line.length + row.length + 1;
      this.s.emitted++;
      const full = this.pending.length >= this.t.spoolBatchEvents;
      if (this.writing) {
        if (full) this.wakeWriter?.();
      } else if (full && !this.writeSoon) {
        // Not from inside emit: joining a batch takes a few milliseconds, which a front-end should not wait for.
        clearTimeout(this.writeTimer);
        this.writeSoon = true;
        this.writeTimer = setTimeout(() => this.startWriting(), 0);
      } else if (!this.writeTimer) {
        this.writeTimer = setTimeout(() => this.startWriting(), this.t.flushIntervalMs);
      }
    } catch (e) {
      this.s.dropped++;
      this.log.error({ err: e }, 'activity: an event could not be recorded');
    }
  }

  private startWriting(): void {
    this.writeTimer = undefined;
    this.writeSoon = false;
    void this.writeLoop();
  }

  /** Writes waiting events to the spool, one synced batch at a time, at most one batch per flush interval unless full. */
  private async writeLoop(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    let delay = this.t.retryMinMs;
    try {
      while (this.pending.length > 0 && !this.spool.isClosed) {
        const wait = this.lastWriteAt + this.t.flushIntervalMs - Date.now();
        if (wait > 0 && this.pending.length < this.t.spoolBatchEvents && this.flushWaiters.length === 0) {
          await new Promise<void>((resolve) => { this.wakeWriter = resolve; setTimeout(resolve, wait); });
          this.wakeWriter = undefined;
        }
        const lines = this.pending;
        const totals = this.pendingTotals;
        const rows = this.pendingRows;
        const days = this.pendingDays;
        const bytes = this.pendingBytes;
        this.pending = [];
        this.pendingTotals = [];
        this.pendingRows = [];
        this.pendingDays = new Set();
        this.pendingBytes = 0;
        this.lastWriteAt = Date.now();
        const putBack = () => {
          this.pending = lines.concat(this.pending);
          this.pendingTotals = totals.concat(this.pendingTotals);
          this.pendingRows = rows.concat(this.pendingRows);
          for (const d of days) this.pendingDays.add(d);
          this.pendingBytes += bytes;
        };
        // The batch is in the file once `written` resolves (a kill -9 no longer loses it); the next batch is written
        // without waiting for this one's fdatasync, and the batch counts as spooled (and goes on to the database)
        // once `synced` resolves. See Spool.append.
        const appended = this.spool.append(`${lines.join('\n')}\n`);
        try {
          await appended.written;
        } catch (e) {
          putBack();
          this.noteFailure('spool', e);
          await sleep(delay);
          delay = Math.min(delay * 2, this.t.retryMaxMs);
          continue;
        }
        appended.synced.then(({ segment, start, end }) => {
          this.s.spooled += lines.length;
          this.noteRecovery('spool');
          delay = this.t.retryMinMs;
          this.enqueue({ ordinal: 0, segment, start, end, lines, totals, rows, days, bytes });
          this.settleFlushWaiters();
        }, (e: unknown) => {
          // Not safely on disk: written again, to a new file (a copy that did survive is stored once all the same).
          void appended.written.then(({ segment }) => this.spool.release(segment));
          putBack();
          this.noteFailure('spool', e);
          if (!this.writing && !this.writeTimer) this.writeTimer = setTimeout(() => this.startWriting(), this.t.retryMinMs);
        });
      }
    } finally {
      this.writing = false;
    }
  }

  /** The spool reached its limit (or has room again): said at once, then at most every minute while it lasts. */
  private noteSpoolFull(full: boolean): void {
    const now = Date.now();
    if (!full) {
      this.spoolFull = false;
      this.log.info({ dropped: this.s.dropped }, 'activity: the spool has room again; new events are recorded');
      return;
    }
    if (this.spoolFull && now - this.lastFullLog < 60_000) return;
    this.spoolFull = true;
    this.lastFullLog = now;
    this.log.error({ spoolBytes: this.spool.bytesOnDisk, maxSpoolBytes: this.t.maxSpoolBytes, dropped: this.s.dropped },
      'activity: the spool is full (the database has not taken events for a long time); new events are not being recorded. Filtering goes on. Bring the database back, or raise OSPREY_SPOOL_MAX_MB if the disk has room');
  }

  private settleFlushWaiters(): void {
    this.flushWaiters = this.flushWaiters.filter((w) => {
      if (this.s.spooled < w.target) return true;
      w.resolve();
      return false;
    });
  }

  private enqueue(chunk: Chunk): void {
    const last = this.queue.at(-1);
    if (chunk.lines && this.s.memoryBytes + chunk.bytes > this.t.maxMemoryBytes) {
      chunk.lines = null;
      chunk.totals = null;
      chunk.rows = null;
      chunk.days = null;
      chunk.bytes = 0;
    }
    if (!chunk.lines && last && !last.lines && last.segment === chunk.segment && last.end === chunk.start) {
      // Spilled batches next to each other in one segment are read back as one: the queue stays short in an outage.
      last.end = chunk.end;
      this.spool.release(chunk.segment);
    } else {
      chunk.ordinal = this.nextOrdinal++;
      this.outstanding.add(chunk.ordinal);
      this.s.memoryBytes += chunk.bytes;
      this.queue.push(chunk);
    }
    for (const wake of this.wakeWorkers.splice(0)) wake();
  }

  /** Takes the next work: in-memory batches up to an insert's worth, or one spilled range. */
  /**
   * New events (in memory) go before spilled ranges and the replay of an earlier run's spool, so that today's activity
   * — and its alerts — never wait behind a long replay.
   */
  private take(): Chunk[] | undefined {
    if (this.queue.length === 0) return undefined;
    const first = this.queue.findIndex((c) => c.lines !== null);
    if (first < 0) return [this.queue.shift()!];
    const work: Chunk[] = [];
    let n = 0;
    for (let i = first; i < this.queue.length && n < this.t.insertBatchEvents;) {
      const c = this.queue[i];
      if (!c.lines) { i++; continue; }
      this.queue.splice(i, 1);
      work.push(c);
      n += c.lines.length;
    }
    return work;
  }

  async workerLoop(): Promise<void> {
    while (!this.stopping) {
      const work = this.take();
      if (!work) {
        await new Promise<void>((resolve) => this.wakeWorkers.push(resolve));
        continue;
      }
      if (!(await this.run(work))) return; // stopping: the work stays in the spool for the next start
    }
  }

  /**
   * Stores some work and releases its spool. A range read back from disk (a replay, or batches spilled in an outage)
   * can hold a hundred thousand events: it is decoded and stored a slice at a time, and between slices this thread
   * turns its event loop (so new events reach the spool file within their usual flush interval, not after the whole
   * range — on PGlite a statement holds the thread while it runs) and stores any new events first.
   */
  private async run(work: Chunk[]): Promise<boolean> {
    const fromDisk = !work[0].lines;
    const loaded = await this.load(work);
    if (!loaded) return false;
    for (let i = 0, size = this.t.insertBatchEvents; i < loaded.lines.length; i += size) {
      if (fromDisk && i > 0) {
        await turn();
        for (let next = this.takeNew(); next; next = this.takeNew()) if (!(await this.run(next))) return false;
      }
      if (!(await this.store(loaded.lines.slice(i, i + size), loaded.totals.slice(i, i + size), loaded.rows?.slice(i, i + size), loaded.days))) return false;
    }
    for (const c of work) {
      this.outstanding.delete(c.ordinal);
      this.s.memoryBytes -= c.bytes;
      if (c.replay) this.s.replayedBytes += c.end - c.start;
      this.spool.release(c.segment);
    }
    this.settleDrainWaiters();
    return true;
  }

  /** In-memory work waiting while a range from disk is being stored (see run). */
  private takeNew(): Chunk[] | undefined {
    return this.queue.some((c) => c.lines !== null) ? this.take() : undefined;
  }

  /** The lines of some work: from memory, or read back from the spool (skipping a line torn by a crash). */
  private async load(work: Chunk[]): Promise<{ lines: string[]; totals: string[]; rows?: string[]; days: Set<number> } | undefined> {
    if (work[0].lines) {
      const days = new Set<number>();
      for (const c of work) for (const d of c.days!) days.add(d);
      if (work.length === 1) return { lines: work[0].lines, totals: work[0].totals!, rows: work[0].rows!, days };
      return { lines: work.flatMap((c) => c.lines!), totals: work.flatMap((c) => c.totals!), rows: work.flatMap((c) => c.rows!), days };
    }
    const c = work[0];
    for (let delay = this.t.retryMinMs; ; delay = Math.min(delay * 2, this.t.retryMaxMs)) {
      if (this.stopping) return undefined;
      try {
        const lines: string[] = [];
        const totals: string[] = [];
        const days = new Set<number>();
        let torn = 0;
        let n = 0;
        for (const line of (await this.spool.read(c.segment, c.start, c.end)).split('\n')) {
          if (!line) continue;
          if (++n % DECODE_SLICE === 0) await turn();
          const e = decodeLine(line);
          if (!e) { torn++; continue; }
          lines.push(line);
          totals.push(totalKeyOf(e));
          days.add(utcDayOf(e.time));
        }
        if (torn > 0) this.log.warn({ file: path.basename(c.segment.file), lines: torn }, 'activity: skipped spool lines cut short by a crash (never reported as flushed)');
        return { lines, totals, days };
      } catch (e) {
        this.noteFailure('spool', e);
        await sleep(delay);
      }
    }
  }

  /** Stores lines, retrying until the database takes them; bad rows are found by halving and set aside. */
  /** `rows`, when given, are the lines' COPY rows; lines read back from the spool leave the writer to make them. */
  private async store(lines: string[], totals: string[], rows: string[] | undefined, days: Set<number>): Promise<boolean> {
    for (let delay = this.t.retryMinMs; ; delay = Math.min(delay * 2, this.t.retryMaxMs)) {
      if (this.stopping) return false;
      try {
        const { stored } = await this.writer.write({ lines, totals, rows, days });
        this.onStored?.(lines);
        this.s.stored += stored;
        this.s.duplicates += lines.length - stored;
        this.noteRecovery('database');
        return true;
      } catch (e) {
        if (this.stopping) return false;
        if (e instanceof ActivityRejectedError) {
          if (lines.length > 1) {
            const mid = lines.length >> 1;
            return (await this.store(lines.slice(0, mid), totals.slice(0, mid), rows?.slice(0, mid), days))
              && (await this.store(lines.slice(mid), totals.slice(mid), rows?.slice(mid), days));
          }
          this.log.error({ reason: e.message, event: lines[0].slice(0, 500) }, 'activity: the database refused an event; it is kept in spool/activity-rejected.jsonl');
          try {
            await this.spool.setAside(lines, e.message);
            this.s.setAside++;
            return true;
          } catch (err) {
            this.noteFailure('spool', err);
          }
        } else {
          this.noteFailure('database', e);
        }
        await sleep(delay);
      }
    }
  }

  private settleDrainWaiters(): void {
    let lowest = Infinity;
    for (const o of this.outstanding) if (o < lowest) lowest = o;
    this.drainWaiters = this.drainWaiters.filter((w) => {
      if (lowest <= w.target) return true;
      w.resolve(true);
      return false;
    });
  }

  /** Logs the first failure and then at most every 30 seconds, so an outage does not flood the log. */
  private noteFailure(what: 'database' | 'spool', e: unknown): void {
    const now = Date.now();
    if (what === 'database') this.s.databaseOk = false; else this.s.spoolOk = false;
    this.failingSince ||= now;
    if (now - this.lastFailureLog < 30_000) return;
    this.lastFailureLog = now;
    const where = what === 'database' ? 'the database is not taking activity events; they are kept in the spool and retried'
      : 'the activity spool cannot be written; events wait in memory and are retried';
    this.log.error({ err: e, waitingBatches: this.outstanding.size, dropped: this.s.dropped }, `activity: ${where}`);
  }

  private noteRecovery(what: 'database' | 'spool'): void {
    const was = what === 'database' ? this.s.databaseOk : this.s.spoolOk;
    if (was) return;
    if (what === 'database') this.s.databaseOk = true; else this.s.spoolOk = true;
    if (this.s.databaseOk && this.s.spoolOk) {
      this.log.info({ seconds: Math.round((Date.now() - this.failingSince) / 1000), waitingBatches: this.outstanding.size }, `activity: the ${what} is working again; catching up`);
      this.failingSince = 0;
      this.lastFailureLog = 0;
    }
  }

  flush(): Promise<void> {
    const target = this.s.emitted;
    if (this.s.spooled >= target) return Promise.resolve();
    return new Promise((resolve) => {
      this.flushWaiters.push({ target, resolve });
      this.wakeWriter?.();
      if (!this.writing) { clearTimeout(this.writeTimer); this.startWriting(); }
    });
  }

  async drain(timeoutMs = Infinity): Promise<boolean> {
    await this.flush();
    const target = this.nextOrdinal - 1;
    const done = new Promise<boolean>((resolve) => { this.drainWaiters.push({ target, resolve }); });
    this.settleDrainWaiters();
    if (!Number.isFinite(timeoutMs)) return done;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), timeoutMs).unref(); });
    try { return await Promise.race([done, timeout]); } finally { clearTimeout(timer); }
  }

  stats(): ActivityPipelineStats {
    return { ...this.s, waitingBatches: this.outstanding.size, spoolBytes: this.spool.bytesOnDisk, spoolFull: this.spoolFull };
  }

  start(leftovers: Segment[], opts: ActivityPipelineOptions): void {
    for (const segment of leftovers) this.s.replayBytes += segment.bytes;
    const replay = () => {
      if (this.stopping || leftovers.length === 0) return;
      for (const segment of leftovers) {
        this.spool.retain(segment);
        this.enqueue({ ordinal: 0, segment, start: 0, end: segment.bytes, lines: null, totals: null, rows: null, days: null, bytes: 0, replay: true });
      }
      this.log.info({ files: leftovers.length, bytes: this.s.replayBytes }, 'activity: replaying events spooled before the last stop, in the background');
      void this.reportReplay();
    };
    // Left in the spool until then, the leftovers are simply replayed at the next start if this one stops first.
    if (opts.replayAfter) void opts.replayAfter.then(replay, replay);
    else replay();
    this.workers = Array.from({ length: this.t.writers }, () => this.workerLoop());
    let lastHousekeeping = Date.now();
    void this.housekeeping(opts);
    this.ticker = setInterval(() => {
      void this.spool.sealIfIdle().catch(() => {});
      if (Date.now() - lastHousekeeping >= 6 * 3_600_000) {
        lastHousekeeping = Date.now();
        void this.housekeeping(opts);
      }
    }, 1000);
    this.ticker.unref();
  }

  /** Logs the replay's progress every ten seconds until it is done. */
  private async reportReplay(): Promise<void> {
    const started = Date.now();
    while (!this.stopping && this.s.replayedBytes < this.s.replayBytes) {
      await idle(10_000);
      if (this.stopping) return;
      const percent = Math.floor((100 * this.s.replayedBytes) / this.s.replayBytes);
      if (this.s.replayedBytes < this.s.replayBytes) this.log.info({ percent, replayedBytes: this.s.replayedBytes, replayBytes: this.s.replayBytes }, `activity: replaying the spool, ${percent}% done`);
    }
    if (!this.stopping) this.log.info({ seconds: Math.round((Date.now() - started) / 1000) }, 'activity: the replay of the spool is finished');
  }

  /** Creates today's and tomorrow's partitions ahead of need, and applies retention. A failure is retried later. */
  private async housekeeping(opts: ActivityPipelineOptions): Promise<void> {
    if (!(this.writer instanceof DatabaseActivityWriter) || !opts.db) return;
    try {
      const today = utcDayOf(Date.now());
      await this.writer.ensurePartitions([today, today + 1]);
      if (opts.retentionDays) {
        const { dropped } = await applyActivityRetention(opts.db, new Date(), opts.retentionDays);
        if (dropped.length) this.log.info({ days: dropped.length, keptDays: opts.retentionDays }, 'activity: removed days past the retention period');
      }
    } catch (e) {
      this.log.warn({ err: e }, 'activity: housekeeping (partitions, retention) failed; it is tried again in six hours');
    }
  }

  committedAtStop(): readonly string[] {
    return this.closed ? this.spool.committedAtClose : [];
  }

  stop(opts: { drainMs?: number } = {}): Promise<void> {
    this.stopped ??= this.stopOnce(opts.drainMs ?? 5000);
    return this.stopped;
  }

  private async stopOnce(drainMs: number): Promise<void> {
    const deadline = Date.now() + drainMs;
    clearInterval(this.ticker);
    await Promise.race([this.flush(), idle(Math.max(0, deadline - Date.now()))]);
    await this.drain(Math.max(0, deadline - Date.now()));
    this.stopping = true;
    for (const wake of this.wakeWorkers.splice(0)) wake();
    // An insert still running is given a moment; if it commits later, its events are replayed and skipped next time.
    await Promise.race([Promise.all(this.workers), idle(1000)]);
    this.closing = true;
    await this.flush().catch(() => {});
    await this.spool.close();
    this.closed = true;
    for (const w of this.drainWaiters.splice(0)) w.resolve(false);
    await this.ownDb?.destroy().catch(() => {});
  }
}

/**
 * Starts the pipeline: takes the spool's lock, queues any events a previous run left in the spool, and starts the
 * writers. Works even while the database is down (events wait in the spool). Call `stop()` before closing the database.
 */
export async function startActivityPipeline(opts: ActivityPipelineOptions): Promise<ActivityPipeline> {
  if (!opts.writer && !opts.db && !opts.databaseUrl) throw new Error('startActivityPipeline needs a database (db or databaseUrl) or a writer');
  const embedded = opts.databaseKind !== 'postgres' && !opts.databaseUrl;
  const tuning: ActivityTuning = {
    ...DEFAULT_TUNING,
    // PGlite runs on this thread: a statement of 2,000 events pauses the event loop for about 0.1 s (measured with
    // bench/ingest.ts: no slower overall than 5,000 or 10,000). Two writers keep both cores of a small server busy.
    ...(embedded ? { insertBatchEvents: 2000, writers: 1, keepCommittedMs: 60_000 } : { writers: 2 }),
    ...opts.tuning,
  };
  const writerDb = !opts.writer && opts.databaseUrl ? openWriterDatabase(opts.databaseUrl, tuning.writers) : undefined;
  const db = writerDb ?? opts.db;
  const writer = opts.writer ?? new DatabaseActivityWriter(db!, opts.timeZone ?? 'Europe/London');
  const log = opts.log ?? silent;
  let opened;
  try {
    opened = await Spool.open(path.join(opts.dataDir, 'spool'), {
      maxSegmentBytes: tuning.maxSegmentBytes, maxSegmentAgeMs: tuning.maxSegmentAgeMs, keepCommittedMs: tuning.keepCommittedMs,
      onError: (err, what) => log.warn({ err }, `activity spool: ${what} failed`),
    });
  } catch (e) {
    await writerDb?.destroy();
    throw e;
  }
  const { spool, leftovers } = opened;
  const pipeline = new Pipeline(spool, writer, { ...opts, db }, tuning, writerDb);
  pipeline.start(leftovers, { ...opts, db });
  return pipeline;
}

