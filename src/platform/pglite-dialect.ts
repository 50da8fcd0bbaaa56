/**
 * A Kysely dialect over PGlite (embedded PostgreSQL). PGlite is one connection, so connections are handed out one at
 * a time: a transaction holds the only connection until it commits, and other queries wait their turn.
 * (The published kysely-pglite dialects pin older PGlite majors; this is small enough to own.)
 */
import type { PGlite } from '@electric-sql/pglite';
import {
  CompiledQuery, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler,
  type DatabaseConnection, type Dialect, type Driver, type Kysely, type QueryResult, type TransactionSettings,
} from 'kysely';

/** Runs one statement on PGlite as Kysely expects (also used by the store thread for queries from the main thread). */
export async function executeOnPGlite<R>(pg: PGlite, sqlText: string, parameters: readonly unknown[]): Promise<QueryResult<R>> {
  // Migrations send several statements at once, which only the simple-query protocol (exec) accepts.
  const result = parameters.length === 0
    ? (await pg.exec(sqlText)).at(-1) ?? { rows: [], affectedRows: 0 }
    : await pg.query<R>(sqlText, parameters as unknown[]);
  const isWrite = /^\s*(insert|update|delete|merge)/i.test(sqlText);
  return {
    rows: result.rows as R[],
    ...(isWrite ? { numAffectedRows: BigInt(result.affectedRows ?? 0) } : {}),
  };
}

/**
 * Who holds PGlite's one connection. Turns are first come, first served, except that an urgent turn (a query from
 * the web interface or the filter, through the store thread) goes before every waiting ordinary one (the activity
 * writer's batches, a replay, monitoring's catch-up), so background work never queues in front of a person.
 */
export class ConnectionGate {
  private held = false;
  private readonly urgent: Array<() => void> = [];
  private readonly ordinary: Array<() => void> = [];

  acquire(urgent = false): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = () => {
        this.held = true;
        let done = false;
        resolve(() => { if (!done) { done = true; this.next(); } });
      };
      if (!this.held) grant();
      else (urgent ? this.urgent : this.ordinary).push(grant);
    });
  }

  private next(): void {
    const grant = this.urgent.shift() ?? this.ordinary.shift();
    if (grant) grant();
    else this.held = false;
  }

  /** Turns waiting (for the store thread's statistics). */
  get waiting(): number {
    return this.urgent.length + this.ordinary.length;
  }
}

class PGliteConnection implements DatabaseConnection {
  constructor(private readonly pg: PGlite) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return executeOnPGlite<R>(this.pg, query.sql, query.parameters);
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('Streaming queries are not supported on the embedded database');
  }
}

/** Transactions as plain statements on the one connection (PGlite here, and through the store thread). */
export abstract class StatementTransactions {
  async beginTransaction(conn: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const level = settings.isolationLevel ? ` isolation level ${settings.isolationLevel}` : '';
    await conn.executeQuery(CompiledQuery.raw(`begin${level}`));
  }

  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw('rollback'));
  }
}

class PGliteDriver extends StatementTransactions implements Driver {
  private readonly connection: PGliteConnection;

  constructor(private readonly pg: PGlite, private readonly gate: ConnectionGate, private readonly urgent: boolean) {
    super();
    this.connection = new PGliteConnection(pg);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    this.releases.push(await this.gate.acquire(this.urgent));
    return this.connection;
  }

  private releases: Array<() => void> = [];


  async releaseConnection(): Promise<void> {
    this.releases.shift()?.();
  }

  async destroy(): Promise<void> {
    if (!this.pg.closed) await this.pg.close();
  }
}

export class PGliteDialect implements Dialect {
  /**
   * `gate` is shared by every Kysely over the same PGlite (a new one by default); `urgent` marks this Kysely's turns
   * as urgent (see ConnectionGate).
   */
  constructor(private readonly pg: PGlite, private readonly opts: { gate?: ConnectionGate; urgent?: boolean } = {}) {}
  createAdapter() { return new PostgresAdapter(); }
  createDriver(): Driver { return new PGliteDriver(this.pg, this.opts.gate ?? new ConnectionGate(), this.opts.urgent ?? false); }
  createQueryCompiler() { return new PostgresQueryCompiler(); }
  createIntrospector(db: Kysely<unknown>) { return new PostgresIntrospector(db); }
}
