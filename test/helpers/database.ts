/**
 * A fresh, migrated database for each test file: an in-memory PGlite loaded from a migrated template (initdb takes
 * seconds; loading a template well under one), or, when DATABASE_URL is set, a new database on that server.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { openDatabase, type DatabaseHandle } from '../../src/platform/db.ts';
import { listMigrations, migrate } from '../../src/platform/migrations.ts';
import { auditKeyFrom } from '../../src/platform/audit.ts';
import { loadOrCreateKey } from '../../src/platform/secrets.ts';

export const onPostgres = Boolean(process.env.DATABASE_URL);

/** A new, empty database on the server `adminUrl` names (for a child process to migrate and use), and its removal. */
export async function scratchPostgresDatabase(adminUrl: string, prefix = 'osprey_test'): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const run = async (statement: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try { await client.query(statement); } finally { await client.end(); }
  };
  await run(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`drop database if exists ${name} with (force)`) };
}

const CACHE = path.resolve('.test-cache');

async function pgliteTemplate(): Promise<Blob> {
  const key = createHash('sha256').update(listMigrations().map((m) => m.version + m.sql).join('\n')).digest('hex').slice(0, 16);
  const file = path.join(CACHE, `pglite-template-${key}.tar`);
  if (existsSync(file)) return new Blob([readFileSync(file)]);
  const fresh = await PGlite.create();
  const handle = await openDatabase({ dataDir: '', pglite: fresh });
  await migrate(handle.db);
  const dump = await fresh.dumpDataDir('none');
  await handle.close();
  mkdirSync(CACHE, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
  renameSync(tmp, file);
  return dump;
}

/** The audit key an installation in `dataDir` uses (so the CLI run on the same folder agrees), or a fresh one. */
function auditKeyFor(dataDir: string | undefined): Buffer {
  return auditKeyFrom(dataDir ? loadOrCreateKey(dataDir) : randomBytes(32));
}

export interface TestDatabase extends DatabaseHandle {
  /** For child processes (the CLI): the DATABASE_URL of this database, when on a server. */
  url?: string;
}

/** A migrated database. On PGlite, pass dataDir to keep it on disk (for tests that also run the CLI). */
export async function createTestDatabase(opts: { dataDir?: string } = {}): Promise<TestDatabase> {
  if (onPostgres) {
    const admin = new URL(process.env.DATABASE_URL!);
    const name = `osprey_test_${randomBytes(6).toString('hex')}`;
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    await client.query(`create database ${name}`);
    await client.end();
    const url = new URL(admin.toString());
    url.pathname = `/${name}`;
    const handle = await openDatabase({ dataDir: opts.dataDir ?? '', databaseUrl: url.toString(), auditKey: auditKeyFor(opts.dataDir) });
    await migrate(handle.db);
    return {
      ...handle, url: url.toString(),
      async close() {
        await handle.close();
        const c = new pg.Client({ connectionString: admin.toString() });
        await c.connect();
        await c.query(`drop database if exists ${name} with (force)`);
        await c.end();
      },
    };
  }
  const template = await pgliteTemplate();
  const pglite = opts.dataDir
    ? existsSync(path.join(opts.dataDir, 'db', 'PG_VERSION'))
      ? await PGlite.create(path.join(opts.dataDir, 'db'))
      : await PGlite.create(path.join(opts.dataDir, 'db'), { loadDataDir: template })
    : await PGlite.create({ loadDataDir: template });
  const handle = await openDatabase({ dataDir: opts.dataDir ?? '', pglite, auditKey: auditKeyFor(opts.dataDir) });
  await migrate(handle.db);
  return handle;
}
