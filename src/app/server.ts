/** `osprey serve`: open the database, migrate, build the app, listen, and tell the person how to log in. */
import type { FastifyInstance } from 'fastify';
import { ConfigError, publicUrlOf, type Config } from '../config.ts';
import { systemClock, type AppDeps, type Clock, type ServerHealth, type ServerStatus } from '../platform/context.ts';
import { auditKeyFrom } from '../platform/audit.ts';
import { lockDataFolder } from '../platform/data-lock.ts';
import { checkDatabaseReachable, openDatabase, type DatabaseHandle } from '../platform/db.ts';
import { peopleDirectory } from '../directory/index.ts';
import { buildOspreyApp, sharedServices } from './http.ts';
import { migrate } from '../platform/migrations.ts';
import { startMailer, type Mailer } from '../platform/mail.ts';
import { Kysely } from 'kysely';
import path from 'node:path';
import { MonitoringStage, type StageStats } from '../monitoring/stage.ts';
import { sendDueDigests } from '../monitoring/digest.ts';
import { loadOrCreateKey, secretBox } from '../platform/secrets.ts';
import { createSetupToken, setupNeeded } from '../platform/setup.ts';
import { refreshDueSources } from '../filtering/sources/service.ts';
import { startActivityPipeline, type ActivityPipeline } from '../activity/pipeline.ts';
import { startFrontEnds, type RunningFrontEnds } from '../filtering/frontends.ts';
import { LiveFilter } from '../filtering/live.ts';
import { coreIncidentAccess } from '../incidents/evidence-access.ts';
import { RemoteActivityPipeline } from '../activity/remote-pipeline.ts';
import { AuditKeyPlugin } from '../platform/audit.ts';
import type { Database } from '../platform/schema.ts';
import { StoreThread } from '../platform/store-thread.ts';
import { releaseEarlyLock, STORE_ENTRY, storeInitFor } from './early-start.ts';
import type { HostedStats } from './store-worker.ts';
import { startRetentionReviewJob } from '../incidents/retention-job.ts';

export interface RunningServer {
  app: FastifyInstance;
  handle: DatabaseHandle;
  url: string;
  port: number;
  setupUrl?: string;
  activity: ActivityPipeline;
  /** The e-mail outbox sender (alerts, digests, reminders). */
  mailer: Mailer;
  monitoring: MonitoringView;
  /** The web proxy's and DNS resolver's bound ports, once a school exists (they wait for set-up). */
  frontEnds(): RunningFrontEnds | undefined;
  /** Resolves when the front-ends are running (at once if the school was set up already). */
  filteringStarted: Promise<RunningFrontEnds>;
  close(): Promise<void>;
}

/** Monitoring as the server shows it, wherever it runs (this thread in tests, the store thread in `osprey serve`). */
export interface MonitoringView {
  stats(): StageStats;
  /** Resolves when every batch handed over so far has been scored. */
  drain(): Promise<void>;
}


/**
 * Starts the store thread and opens the database through it: on the embedded database every statement of this
 * thread goes to the store thread's PGlite; on a PostgreSQL server this thread has its own pool as before.
 */
async function openThroughStore(config: Config): Promise<{ store: StoreThread; handle: DatabaseHandle; lock?: { release(): void } }> {
  if (config.databaseUrl) {
    const problem = await checkDatabaseReachable(config.databaseUrl);
    if (problem) throw new ConfigError([problem]);
  }
  const init = storeInitFor(config);
  const auditKey = Buffer.from(init.auditKey!);
  // The embedded database is this process's alone while it runs (a command beside it is refused: data-lock.ts).
  const lock = config.databaseUrl ? undefined : lockDataFolder(config.dataDir);
  releaseEarlyLock();
  let store: StoreThread;
  try {
    store = await StoreThread.start(STORE_ENTRY, init);
  } catch (e) {
    lock?.release();
    throw e;
  }
  let handle: DatabaseHandle;
  if (config.databaseUrl) {
    handle = await openDatabase({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, auditKey });
  } else {
    const db = new Kysely<Database>({ dialect: store.dialect() }).withPlugin(new AuditKeyPlugin(auditKey));
    handle = { db, kind: 'embedded', location: path.join(config.dataDir, 'db'), close: () => db.destroy() };
  }
  try {
    await migrate(handle.db);
  } catch (e) {
    await store.request('stop', { drainMs: 0 }).catch(() => undefined);
    await store.exit();
    lock?.release();
    throw e;
  }
  return { store, handle, lock };
}

/** Opens (and migrates) the database the configuration names. Reports an unreachable server in plain words. */
export async function openConfiguredDatabase(config: Config): Promise<DatabaseHandle> {
  if (config.databaseUrl) {
    const problem = await checkDatabaseReachable(config.databaseUrl);
    if (problem) throw new ConfigError([problem]);
  }
  const handle = await openDatabase({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, auditKey: auditKeyFrom(loadOrCreateKey(config.dataDir)) });
  await migrate(handle.db);
  return handle;
}

/**
 * Starts everything `osprey serve` runs in one process: the activity pipeline (first, so no decision is lost), the
 * web interface and API, the live filter (snapshots recompiled within a second of a change) and the front-ends —
 * the web proxy in worker threads and the DNS resolver. Before the first school is set up there is nothing to filter
 * for, so the front-ends start as soon as it exists.
 */
export async function startServer(config: Config, opts: { clock?: Clock; handle?: DatabaseHandle } = {}): Promise<RunningServer> {
  // With a database handed in (tests), the activity pipeline and monitoring run on this thread beside it; otherwise
  // the store thread holds the database work (see store-thread.ts).
  const opened = opts.handle ? undefined : await openThroughStore(config);
  const store = opened?.store;
  const handle = opts.handle ?? opened!.handle;
  // What routes may ask of the running server; the answers fill in as the parts below start.
  let health: (() => ServerHealth) | undefined = undefined; // set once the activity pipeline runs
  let frontEnds: RunningFrontEnds | undefined;
  const status: ServerStatus = {
    health: () => health?.(),
    frontEnds: () => (frontEnds ? { proxyPort: frontEnds.proxyPort, dnsPort: frontEnds.dnsPort } : {}),
  };
  const deps: AppDeps = {
    db: handle.db, clock: opts.clock ?? systemClock, config, databaseKind: handle.kind,
    secrets: secretBox(loadOrCreateKey(config.dataDir)), people: peopleDirectory, status,
  };
  const shared = sharedServices(deps);
  const app = await buildOspreyApp(deps, shared);
  const mailer = startMailer({ db: handle.db, clock: deps.clock, config, log: app.log });
  // Monitoring scores each batch of activity as it is committed (see src/monitoring/stage.ts).
  const addresses = { url: publicUrlOf(config) };
  let activity: ActivityPipeline;
  const spoolMaxBytes = config.spoolMaxMb * 1024 * 1024;
  let databaseQueue = () => 0;
  let monitoring: MonitoringView & { stop(): Promise<void> };
  let stage: MonitoringStage | undefined;
  if (store) {
    const remote = new RemoteActivityPipeline(store, { dataDir: config.dataDir, node: 'control-plane' });
    let latest: HostedStats | undefined;
    store.on('notice', (kind: string, body: unknown) => {
      if (kind === 'stats') {
        latest = body as HostedStats;
        remote.take(latest.activity);
      } else if (kind === 'log') {
        const { level, obj, msg } = body as { level: 'info' | 'warn' | 'error'; obj: object; msg: string };
        app.log[level](obj, msg);
      }
    });
    store.on('exit', (code: number) => { if (!closing) app.log.error({ code }, 'the store thread stopped unexpectedly; activity is kept in the spool until Osprey is restarted'); });
    activity = remote;
    monitoring = {
      stats: () => latest?.monitoring ?? { scored: 0, alertsRaised: 0, evidenceAdded: 0, queuedBatches: 0, failures: 0 },
      drain: () => store.request('monitoring.drain'),
      stop: async () => {},
    };
    await store.request('activity.start', {
      node: 'control-plane', timeZone: config.timeZone, retentionDays: config.activityRetentionDays, publicUrl: addresses.url,
      spoolMaxBytes,
    });
    databaseQueue = () => latest?.databaseQueue ?? 0;
  } else {
    stage = new MonitoringStage({ db: handle.db, clock: deps.clock, publicUrl: () => addresses.url, log: app.log });
    monitoring = stage;
    activity = await startActivityPipeline({
      db: handle.db, databaseKind: handle.kind, databaseUrl: config.databaseUrl, dataDir: config.dataDir, node: 'control-plane',
      timeZone: config.timeZone, retentionDays: config.activityRetentionDays, log: app.log, onStored: stage.onStored,
      tuning: { maxSpoolBytes: spoolMaxBytes },
    });
  }
  const pipelineNow = activity;
  health = () => ({
    activity: { ...pipelineNow.stats(), spoolMaxBytes },
    monitoring: monitoring.stats(),
    databaseQueue: databaseQueue(),
  });
  let closing = false;
  const closeStore = async () => {
    closing = true;
    if (!opts.handle) await handle.close();
    await store?.exit();
    // only now is PGlite closed in the store thread: another process may open the folder
    opened?.lock?.release();
  };
  try {
    await app.listen({ host: config.httpHost, port: config.httpPort });
  } catch (e) {
    await mailer.stop();
    await activity.stop();
    await closeStore();
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new ConfigError([`the web interface cannot listen on port ${config.httpPort}: another program is using it — stop that program, or choose another port with OSPREY_HTTP_PORT`]);
    throw e;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.httpPort;
  const url = publicUrlOf(config, port);
  addresses.url = url;
  store?.notify('public-url', url);
  void stage?.catchUp().catch((e: unknown) => app.log.error({ err: e }, 'monitoring: catching up after the start failed; new activity is still scored'));

  const identity = shared.identity;
  await identity.ready();
  identity.startSweeping();
  const live = new LiveFilter(handle.db, {
    dataDir: config.dataDir, timeZone: config.timeZone, cache: shared.snapshots,
    // R6.4: people who must sign their agreement get DNS answers only for the Osprey server
    agreementRequired: (personId) => identity.agreementRequired(personId), portalHost: new URL(url).hostname,
  },
    (ip, hints) => identity.identify(ip, hints), activity);
  live.on('refresh-failed', (e: unknown) => app.log.warn({ err: e }, 'filtering: the filter could not be refreshed; the last one stays in force'));
  let starting: Promise<void> | undefined;
  let started!: (fe: RunningFrontEnds) => void;
  const filteringStarted = new Promise<RunningFrontEnds>((resolve) => { started = resolve; });
  const startFiltering = async () => {
    if (frontEnds || live.schoolIds.length === 0) return;
    await identity.reload();
    frontEnds = await startFrontEnds({ config, view: live, identity, schoolIds: live.schoolIds, portalUrl: url, log: app.log });
    started(frontEnds);
  };
  try {
    await live.start();
    await startFiltering();
    // Filtering (or, before set-up, the web interface) is up: the store thread may now replay what the last run left.
    store?.notify('front-ends-up');
  } catch (e) {
    live.stop();
    identity.close();
    await app.close();
    await mailer.stop();
    await activity.stop();
    await closeStore();
    throw e;
  }
  if (!frontEnds) {
    live.on('swap', () => {
      starting ??= startFiltering().catch((e: unknown) => {
        starting = undefined;
        app.log.error({ err: e }, `filtering could not start: ${(e as Error).message}`);
      });
    });
  }

  // Scheduled jobs: web block lists are fetched again when due (each source has its own period).
  const refreshLists = async () => {
    try {
      const results = await refreshDueSources({ db: handle.db, clock: deps.clock, dataDir: config.dataDir, listServers: config.listServers }, (schoolId) => ({ id: null, label: 'scheduled list update', ip: null, schoolId }));
      for (const r of results) app.log[r.ok ? 'info' : 'warn']({ list: r.name }, `list update: ${r.message}`);
    } catch (e) {
      app.log.error({ err: e }, 'scheduled list update failed');
    }
  };
  const listTimer = setInterval(refreshLists, 5 * 60_000);
  listTimer.unref();
  // Monitoring's digest of lower-priority alerts (weekly, or daily if a school chooses), checked every quarter-hour.
  const digestTimer = setInterval(() => {
    sendDueDigests({ db: handle.db, clock: deps.clock, publicUrl: url })
      .catch((e: unknown) => app.log.error({ err: e }, 'monitoring: the alert digest could not be sent; it is tried again in 15 minutes'));
  }, 15 * 60_000);
  digestTimer.unref();
  // Incident records due for retention review, listed once a day (never deleted; R5.8).
  const stopRetentionReview = startRetentionReviewJob({
    db: handle.db, incidents: coreIncidentAccess(handle.db), clock: deps.clock, config,
    onRun: (runs) => { for (const r of runs) if (r.due.length || r.needsInformation.length) app.log.info({ due: r.due.map((d) => d.reference), needsInformation: r.needsInformation.length }, `retention review: ${r.due.length} incident records due for review`); },
    onError: (e) => app.log.error({ err: e }, 'retention review failed'),
  });
  let setupUrl: string | undefined;
  if (await setupNeeded(handle.db)) setupUrl = `${url}/setup?token=${await createSetupToken(handle.db, deps.clock)}`;
  return {
    app, handle, url, port, setupUrl, activity, mailer, monitoring,
    frontEnds: () => frontEnds, filteringStarted,
    async close() {
      clearInterval(listTimer);
      clearInterval(digestTimer);
      await stopRetentionReview();
      await starting;
      await frontEnds?.close();
      live.stop();
      identity.close();
      await app.close();
      await mailer.stop();
      // Three seconds for the activity log to catch up; what is left waits in the spool for the next start, so a
      // stop during a long replay still ends within ten seconds.
      await activity.stop({ drainMs: 3000 });
      await monitoring.stop();
      await closeStore(); // a handle passed in belongs to the caller
    },
  };
}
