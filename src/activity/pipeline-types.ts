/**
 * The activity pipeline's public face: options, tuning, statistics and the pipeline itself (see pipeline.ts).
 */
import type { Db } from '../platform/db.ts';
import type { ActivitySink } from './types.ts';
import type { ActivityBatchWriter } from './writer.ts';

export interface ActivityLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ActivityTuning {
  /** The longest an event waits in memory before its batch is written to the spool. */
  flushIntervalMs: number;
  /** A batch is written at once when this many events wait. */
  spoolBatchEvents: number;
  /** Events per INSERT statement. */
  insertBatchEvents: number;
  /** Inserts running at once (PostgreSQL runs each on its own connection and core; PGlite has one connection). */
  writers: number;
  /** Spooled events kept in memory for inserting; beyond this they are read back from the spool. */
  maxMemoryBytes: number;
  /** Events waiting for the spool disk itself (if it fails); beyond this new events are counted as dropped. */
  maxPendingBytes: number;
  maxSegmentBytes: number;
  maxSegmentAgeMs: number;
  /**
   * How long a spool segment is kept after every event in it is committed. PGlite never fsyncs its files (its
   * Emscripten file system has no fsync), so a commit there survives a crash of the process but not yet a power cut;
   * keeping the segment until the kernel has written the database's pages back (30 s by default on Linux) lets a
   * power cut be repaired by replay. 0 on a PostgreSQL server, whose commit is durable.
   */
  keepCommittedMs: number;
  retryMinMs: number;
  retryMaxMs: number;
  /**
   * The most the spool folder may hold (OSPREY_SPOOL_MAX_MB). When the database has been away so long that the spool
   * reaches it, new events are counted as dropped (and said so in the log, /metrics and the status page) rather than
   * filling the disk or the memory; filtering itself never waits.
   */
  maxSpoolBytes: number;
}

export interface ActivityPipelineOptions {
  /** Where events are stored: the database (with `databaseKind`), or any other writer (a filter node's push). */
  db?: Db;
  databaseKind?: 'embedded' | 'postgres';
  /** On a PostgreSQL server, its address: the writer then opens a small pool of its own (see openWriterDatabase). */
  databaseUrl?: string;
  writer?: ActivityBatchWriter;
  /** The spool lives in `<dataDir>/spool/`. */
  dataDir: string;
  /** Recorded in events that do not name their node: 'control-plane' or a filter node's name. */
  node?: string;
  /** The school's time zone, for the days of the daily totals. */
  timeZone?: string;
  /** When set (with `db`), days older than this are dropped at start and every six hours (R4.1). */
  retentionDays?: number;
  log?: ActivityLogger;
  tuning?: Partial<ActivityTuning>;
  /**
   * Called with each batch's spooled lines (encode.ts decodeLine) once the batch is committed — events already stored
   * included (replays): the listener must be idempotent. Used by monitoring (src/monitoring/stage.ts). Must not throw.
   */
  onStored?: (lines: readonly string[]) => void;
  /**
   * When given, the events an earlier run left in the spool are replayed only once it settles (`osprey serve`: once
   * the front-ends are up, so that their start does not queue behind the replay). New events are stored at once.
   */
  replayAfter?: Promise<unknown>;
}

export interface ActivityPipelineStats {
  /** Events accepted by emit (not counting dropped). */
  emitted: number;
  /** Emitted events on disk in the spool. */
  spooled: number;
  /** Events inserted into the database (including ones replayed from an earlier run's spool). */
  stored: number;
  /** Events the database already had (replays, retries): skipped, as they should be. */
  duplicates: number;
  /** Events the database refused even alone: kept in spool/activity-rejected.jsonl with the reason. */
  setAside: number;
  /** Events lost because the spool disk failed and memory was full. Should always be 0. */
  dropped: number;
  /** Spooled batches waiting for the database. */
  waitingBatches: number;
  memoryBytes: number;
  databaseOk: boolean;
  spoolOk: boolean;
  /** Bytes in the spool folder's segments (written, not yet deleted). */
  spoolBytes: number;
  /** True while the spool is at `maxSpoolBytes` and new events are being dropped. */
  spoolFull: boolean;
  /** Events left in the spool by the previous run: how many bytes of them there were, and how many are stored. */
  replayBytes: number;
  replayedBytes: number;
}

export interface ActivityPipeline extends ActivitySink {
  /** Resolves when every event emitted before the call is synced to the spool (the no-loss point). */
  flush(): Promise<void>;
  /** Resolves true when every event emitted before the call is in the database; false if `timeoutMs` passes first. */
  drain(timeoutMs?: number): Promise<boolean>;
  stats(): ActivityPipelineStats;
  /** Spools what is in memory, gives the database up to `drainMs` to catch up, and closes. Nothing is lost. */
  stop(opts?: { drainMs?: number }): Promise<void>;
  /**
   * After stop: spool files whose every event is committed but which were kept for a power cut (keepCommittedMs).
   * Once the database is closed and its files synced they can be deleted (spool.ts Spool.deleteCommitted).
   */
  committedAtStop?(): readonly string[];
}

export const DEFAULT_TUNING: ActivityTuning = {
  flushIntervalMs: 50, spoolBatchEvents: 8192, insertBatchEvents: 10_000, writers: 1,
  maxMemoryBytes: 64 * 1024 * 1024, maxPendingBytes: 256 * 1024 * 1024,
  maxSegmentBytes: 32 * 1024 * 1024, maxSegmentAgeMs: 5000, keepCommittedMs: 0, retryMinMs: 100, retryMaxMs: 5000,
  maxSpoolBytes: 4 * 1024 * 1024 * 1024,
};
