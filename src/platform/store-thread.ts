/**
 * The store thread, seen from the main thread. `osprey serve` runs its heavy background work — the embedded
 * database (PGlite), the activity log's writer and replay, and monitoring's scoring — in one worker thread, so that
 * none of it ever holds up the thread that answers DNS queries, proxy decisions and the web interface.
 *
 * On the embedded database the main thread reaches PGlite through `StoreDialect`: Kysely hands out a connection (a
 * turn at PGlite's one connection, granted by the store thread ahead of any background work), each statement is sent
 * as a message and its rows come back the same way. On a PostgreSQL server the main thread keeps its own pool; the
 * store thread opens one of its own for its work.
 *
 * This file knows nothing of what the thread hosts: requests and notices are plain messages, and the composition
 * root (server.ts, store-worker.ts) gives them meaning.
 */
import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import {
  PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, CompiledQuery,
  type DatabaseConnection, type Dialect, type Driver, type Kysely, type QueryResult,
} from 'kysely';
import { StatementTransactions } from './pglite-dialect.ts';

/** What the store thread is started with (workerData). */
export interface StoreThreadInit {
  dataDir: string;
  databaseUrl?: string;
  /** The audit MAC key (audit.ts auditKeyFrom), so that entries the thread writes are marked too. */
  auditKey?: Uint8Array;
}

/** A database error as it crosses threads: the fields code reads (`code`, `detail`, `constraint` …) survive. */
export interface CarriedError { name: string; message: string; stack?: string; [field: string]: unknown }

const ERROR_FIELDS = ['code', 'detail', 'hint', 'constraint', 'table', 'column', 'schema', 'severity', 'position', 'where', 'routine', 'dataType'];

export function carryError(e: unknown): CarriedError {
  const err = e instanceof Error ? e : new Error(String(e));
  const carried: CarriedError = { name: err.name, message: err.message, stack: err.stack };
  for (const f of ERROR_FIELDS) {
    const v = (err as unknown as Record<string, unknown>)[f];
    if (v !== undefined && (typeof v === 'string' || typeof v === 'number')) carried[f] = v;
  }
  return carried;
}

export function restoreError(c: CarriedError): Error {
  const err = new Error(c.message);
  err.name = c.name;
  for (const [k, v] of Object.entries(c)) if (k !== 'name' && k !== 'message' && k !== 'stack') (err as unknown as Record<string, unknown>)[k] = v;
  if (c.stack) err.stack = `${err.name}: ${err.message}\n    (in the store thread)\n${c.stack.split('\n').slice(1).join('\n')}`;
  return err;
}

/** Messages from the main thread. */
export type ToStore =
  | { t: 'acquire'; id: number }
  | { t: 'query'; id: number; conn: number; sql: string; params: unknown[] }
  | { t: 'release'; conn: number }
  | { t: 'request'; id: number; kind: string; body?: unknown }
  | { t: 'notice'; kind: string; body?: unknown };

/** A thread started by StoreThread.startEarly and not yet taken by StoreThread.start. */
let early: { entry: string; init: StoreThreadInit; worker: Worker; thread: Promise<StoreThread> } | undefined;

function sameInit(a: StoreThreadInit, b: StoreThreadInit): boolean {
  return a.dataDir === b.dataDir && a.databaseUrl === b.databaseUrl
    && Buffer.from(a.auditKey ?? []).equals(Buffer.from(b.auditKey ?? []));
}

/** Messages to the main thread. */
export type FromStore =
  | { t: 'ready' }
  | { t: 'open-failed'; error: CarriedError }
  | { t: 'acquired'; id: number; conn: number }
  | { t: 'result'; id: number; rows: unknown[]; affected?: string }
  | { t: 'failed'; id: number; error: CarriedError }
  | { t: 'answer'; id: number; body?: unknown }
  | { t: 'notice'; kind: string; body?: unknown };

/** Buffers in rows come back as plain Uint8Arrays; the rest of Osprey expects Node Buffers (bytea columns). */
function asBuffers(rows: unknown[]): unknown[] {
  for (const row of rows) {
    if (!row || typeof row !== 'object') continue;
    const r = row as Record<string, unknown>;
    for (const k in r) {
      const v = r[k];
      if (v instanceof Uint8Array && !Buffer.isBuffer(v)) r[k] = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    }
  }
  return rows;
}

export class StoreThread extends EventEmitter {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private exited = false;
  private exitPromise: Promise<void>;

  private constructor(private readonly worker: Worker) {
    super();
    this.exitPromise = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (m: FromStore) => this.receive(m));
    worker.on('error', (e) => this.emit('thread-error', e));
    worker.once('exit', (code) => {
      this.exited = true;
      const gone = new Error(`the store thread stopped (exit code ${code})`);
      for (const w of this.waiting.values()) w.reject(gone);
      this.waiting.clear();
      this.emit('exit', code);
    });
  }

  /**
   * Starts the thread as early as the process can (`osprey serve` does so before loading the rest of Osprey, so that
   * the thread loads its code and opens the database while the main thread loads its own). `start` with the same
   * settings then takes this thread rather than starting another. Until then the thread does not keep the process
   * alive, and its failure is reported to whoever takes it.
   */
  static startEarly(entry: URL, init: StoreThreadInit): void {
    if (early) return;
    const worker = new Worker(entry, { workerData: init, name: 'osprey-store' });
    worker.unref();
    const thread = StoreThread.opening(worker);
    thread.catch(() => { /* reported by start, which takes it */ });
    early = { entry: entry.href, init, worker, thread };
  }

  /** Starts the thread (its entry is a module URL) and waits until its database is open. */
  static async start(entry: URL, init: StoreThreadInit): Promise<StoreThread> {
    const taken = early;
    early = undefined;
    if (taken) {
      if (taken.entry === entry.href && sameInit(taken.init, init)) {
        taken.worker.ref();
        return taken.thread;
      }
      await taken.worker.terminate(); // started for other settings: its database must not stay open beside ours
    }
    return StoreThread.opening(new Worker(entry, { workerData: init, name: 'osprey-store' }));
  }

  private static async opening(worker: Worker): Promise<StoreThread> {
    const thread = new StoreThread(worker);
    await new Promise<void>((resolve, reject) => {
      const onMessage = (m: FromStore) => {
        if (m.t === 'ready') { worker.off('message', onMessage); resolve(); }
        if (m.t === 'open-failed') { worker.off('message', onMessage); reject(restoreError(m.error)); }
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the store thread stopped while opening the database (exit code ${code})`)));
    });
    return thread;
  }

  private receive(m: FromStore): void {
    switch (m.t) {
      case 'acquired': this.settle(m.id, m.conn); break;
      case 'result': this.settle(m.id, { rows: asBuffers(m.rows), ...(m.affected !== undefined ? { numAffectedRows: BigInt(m.affected) } : {}) }); break;
      case 'answer': this.settle(m.id, m.body); break;
      case 'failed': {
        const w = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        w?.reject(restoreError(m.error));
        break;
      }
      case 'notice': this.emit('notice', m.kind, m.body); break;
      default: break;
    }
  }

  private settle(id: number, value: unknown): void {
    const w = this.waiting.get(id);
    this.waiting.delete(id);
    w?.resolve(value);
  }

  private ask<T>(message: ToStore & { id: number }): Promise<T> {
    if (this.exited) return Promise.reject(new Error('the store thread has stopped'));
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(message.id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage(message);
    });
  }

  /** A request the hosted part answers (see store-worker.ts). */
  request<T>(kind: string, body?: unknown): Promise<T> {
    return this.ask<T>({ t: 'request', id: this.nextId++, kind, body });
  }

  /** A one-way message to the hosted part. */
  notify(kind: string, body?: unknown): void {
    if (!this.exited) this.worker.postMessage({ t: 'notice', kind, body } satisfies ToStore);
  }

  acquire(): Promise<number> {
    return this.ask<number>({ t: 'acquire', id: this.nextId++ });
  }

  query<R>(conn: number, sqlText: string, params: readonly unknown[]): Promise<QueryResult<R>> {
    return this.ask<QueryResult<R>>({ t: 'query', id: this.nextId++, conn, sql: sqlText, params: [...params] });
  }

  release(conn: number): void {
    if (!this.exited) this.worker.postMessage({ t: 'release', conn } satisfies ToStore);
  }

  /** The thread ends by itself once told to stop (a request the hosted part answers); this waits for that. */
  async exit(waitMs = 10_000): Promise<void> {
    if (this.exited) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.exitPromise, new Promise<void>((resolve) => { timer = setTimeout(resolve, waitMs); timer.unref(); })]);
    clearTimeout(timer);
    if (!this.exited) await this.worker.terminate();
  }

  /** Kysely over the store thread's PGlite (embedded database only). */
  dialect(): Dialect {
    return new StoreDialect(this);
  }
}

class StoreConnection implements DatabaseConnection {
  constructor(private readonly thread: StoreThread, readonly id: number) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return this.thread.query<R>(this.id, query.sql, query.parameters);
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('Streaming queries are not supported on the embedded database');
  }
}

class StoreDriver extends StatementTransactions implements Driver {
  constructor(private readonly thread: StoreThread) {
    super();
  }
  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new StoreConnection(this.thread, await this.thread.acquire());
  }


  async releaseConnection(conn: DatabaseConnection): Promise<void> {
    this.thread.release((conn as StoreConnection).id);
  }

  /** The thread closes the database itself when the server stops (after the activity log's last batch). */
  async destroy(): Promise<void> {}
}

class StoreDialect implements Dialect {
  constructor(private readonly thread: StoreThread) {}
  createAdapter() { return new PostgresAdapter(); }
  createDriver(): Driver { return new StoreDriver(this.thread); }
  createQueryCompiler() { return new PostgresQueryCompiler(); }
  createIntrospector(db: Kysely<unknown>) { return new PostgresIntrospector(db); }
}
