/**
 * Forward-only migrations: the ordered SQL files in migrations/, each applied once in its own transaction at start.
 * Upgrading Osprey is: stop, replace the code, start — the new migrations run before the server listens.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { sql } from 'kysely';
import type { Db } from './db.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

export interface Migration { version: string; sql: string }

export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: f.replace(/\.sql$/, ''), sql: readFileSync(path.join(dir, f), 'utf8') }));
}

/** Applies the migrations not yet applied; returns their versions. Safe when several processes start at once. */
export async function migrate(db: Db, migrations = listMigrations()): Promise<string[]> {
  const applied: string[] = [];
  await db.transaction().execute(async (tx) => {
    // One migrator at a time on a shared server; the lock ends with the transaction.
    await sql`select pg_advisory_xact_lock(7350001)`.execute(tx);
    await sql`create table if not exists schema_migrations (version text primary key, applied_at timestamptz not null default now())`.execute(tx);
    const done = new Set((await tx.selectFrom('schema_migrations').select('version').execute()).map((r) => r.version));
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await sql.raw(m.sql).execute(tx);
      await tx.insertInto('schema_migrations').values({ version: m.version }).execute();
      applied.push(m.version);
    }
  });
  return applied;
}
