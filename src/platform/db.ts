/**
 * The database: Kysely over embedded PostgreSQL (PGlite, persisted in <dataDir>/db) by default, or over a PostgreSQL
 * server (pg) when DATABASE_URL is set. One SQL dialect everywhere.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { redactUrl } from '../config.ts';
import { AuditKeyPlugin } from './audit.ts';
import { PGliteDialect } from './pglite-dialect.ts';
import { lockDataFolder } from './data-lock.ts';
import type { Database } from './schema.ts';

import type { Db } from './schema.ts';

export type { Db };

export interface DatabaseHandle {
  db: Db;
  kind: 'embedded' | 'postgres';
  /** Where the data lives, safe to print (no password). */
  location: string;
  close(): Promise<void>;
}

// PostgreSQL's bigint (int8) comes back as a string by default; counts and sequence numbers fit in a JS number.
pg.types.setTypeParser(20, (v: string) => Number(v));

/**
 * Opens the database. `auditKey` (from auditKeyFrom(installation secret)) travels with the handle so that audit
 * entries carry a MAC (see audit.ts); without it entries are written unmarked.
 */
export async function openDatabase(opts: { dataDir: string; databaseUrl?: string; pglite?: PGlite; auditKey?: Buffer }): Promise<DatabaseHandle> {
  const keyed = (db: Db): Db => opts.auditKey ? db.withPlugin(new AuditKeyPlugin(opts.auditKey)) : db;
  if (opts.databaseUrl) {
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 10, connectionTimeoutMillis: 5000 });
    pool.on('error', () => { /* an idle client's broken connection is replaced on the next query */ });
    // A connection cut while checked out (a server restart mid-query): the query fails and says so; the process lives on.
    pool.on('connect', (client) => client.on('error', () => {}));
    const db = keyed(new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }));
    return { db, kind: 'postgres', location: redactUrl(opts.databaseUrl), close: () => db.destroy() };
  }
  let pglite = opts.pglite;
  const dir = path.join(opts.dataDir, 'db');
  let lock: { release(): void } | undefined;
  if (!pglite) {
    mkdirSync(dir, { recursive: true });
    lock = lockDataFolder(opts.dataDir);
    try {
      pglite = await PGlite.create(dir);
    } catch (e) {
      lock.release();
      throw e;
    }
  }
  const db = keyed(new Kysely<Database>({ dialect: new PGliteDialect(pglite) }));
  return {
    db, kind: 'embedded', location: opts.pglite ? 'in memory' : dir,
    close: async () => { try { await db.destroy(); } finally { lock?.release(); } },
  };
}

/** Checks that a PostgreSQL server answers; returns a plain explanation when it does not. */
export async function checkDatabaseReachable(databaseUrl: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (e) {
    const reason = (e as Error).message || (e as { code?: string }).code || 'no answer';
    return `DATABASE_URL: cannot reach the PostgreSQL server at ${redactUrl(databaseUrl)} (${reason}) — check the address, that the server is running and that the user may log in, or unset DATABASE_URL to use the embedded database`;
  } finally {
    await client.end().catch(() => {});
  }
}

export async function databaseIsReady(db: Db): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}
