/** `osprey serve`: open the database, migrate, build the app, listen, and tell the person how to log in. */
import type { FastifyInstance } from 'fastify';
import { ConfigError, publicUrlOf, type Config } from '../config.ts';
import { systemClock, type AppDeps, type Clock } from './context.ts';
import { checkDatabaseReachable, openDatabase, type DatabaseHandle } from './db.ts';
import { buildApp } from './http.ts';
import { migrate } from './migrations.ts';
import { loadOrCreateKey, secretBox } from './secrets.ts';
import { createSetupToken, setupNeeded } from './setup.ts';
import { refreshDueSources } from '../filtering/sources/service.ts';

export interface RunningServer {
  app: FastifyInstance;
  handle: DatabaseHandle;
  url: string;
  port: number;
  setupUrl?: string;
  close(): Promise<void>;
}

/** Opens (and migrates) the database the configuration names. Reports an unreachable server in plain words. */
export async function openConfiguredDatabase(config: Config): Promise<DatabaseHandle> {
  if (config.databaseUrl) {
    const problem = await checkDatabaseReachable(config.databaseUrl);
    if (problem) throw new ConfigError([problem]);
  }
  const handle = await openDatabase({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  await migrate(handle.db);
  return handle;
}

export async function startServer(config: Config, opts: { clock?: Clock; handle?: DatabaseHandle } = {}): Promise<RunningServer> {
  const handle = opts.handle ?? await openConfiguredDatabase(config);
  const deps: AppDeps = {
    db: handle.db, clock: opts.clock ?? systemClock, config, databaseKind: handle.kind,
    secrets: secretBox(loadOrCreateKey(config.dataDir)),
  };
  const app = await buildApp(deps);
  await app.listen({ host: config.httpHost, port: config.httpPort });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.httpPort;
  const url = publicUrlOf(config, port);
  // Scheduled jobs: web block lists are fetched again when due (each source has its own period).
  const refreshLists = async () => {
    try {
      const results = await refreshDueSources({ db: handle.db, clock: deps.clock, dataDir: config.dataDir }, (schoolId) => ({ id: null, label: 'scheduled list update', ip: null, schoolId }));
      for (const r of results) app.log[r.ok ? 'info' : 'warn']({ list: r.name }, `list update: ${r.message}`);
    } catch (e) {
      app.log.error({ err: e }, 'scheduled list update failed');
    }
  };
  const listTimer = setInterval(refreshLists, 5 * 60_000);
  listTimer.unref();
  let setupUrl: string | undefined;
  if (await setupNeeded(handle.db)) setupUrl = `${url}/setup?token=${await createSetupToken(handle.db, deps.clock)}`;
  return {
    app, handle, url, port, setupUrl,
    async close() {
      clearInterval(listTimer);
      await app.close();
      await handle.close();
    },
  };
}
