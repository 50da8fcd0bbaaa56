/**
 * `osprey serve` starts its store thread before the rest of Osprey is loaded (bin/osprey.js): the thread then loads
 * its code and opens the embedded database while the main thread loads the web interface, the front-ends and the
 * rest, and a restart answers sooner. startServer takes that thread when its settings are the same (store-thread.ts
 * StoreThread.start). This file is kept small on purpose: it is loaded before anything else.
 */
import { loadConfig, type Config } from '../config.ts';
import { auditKeyFrom } from '../platform/audit.ts';
import { lockDataFolder } from '../platform/data-lock.ts';
import { loadOrCreateKey } from '../platform/secrets.ts';
import { StoreThread, type StoreThreadInit } from '../platform/store-thread.ts';

/** The store thread's entry (plain JavaScript: it loads the TypeScript through tsx). */
export const STORE_ENTRY = new URL('./store-worker-entry.mjs', import.meta.url);

/** What the store thread is started with for this configuration. */
export function storeInitFor(config: Config): StoreThreadInit {
  return { dataDir: config.dataDir, databaseUrl: config.databaseUrl, auditKey: auditKeyFrom(loadOrCreateKey(config.dataDir)) };
}

/**
 * Starts the store thread for the configuration `osprey serve` will load. Any problem (a setting that is wrong, a
 * data folder that cannot be written) is left for the command to report in its own words: nothing is started then.
 */
export function startStoreEarly(): void {
  let init: StoreThreadInit;
  try {
    init = storeInitFor(loadConfig());
    // The embedded database is opened only by the process that holds its folder: when another Osprey holds it,
    // nothing is started, and startServer says so in its own words.
    if (!init.databaseUrl) earlyLock = lockDataFolder(init.dataDir);
  } catch {
    return;
  }
  StoreThread.startEarly(STORE_ENTRY, init);
}

let earlyLock: { release(): void } | undefined;

/** Hands the early start's hold on the data folder over: startServer has taken its own by then. */
export function releaseEarlyLock(): void {
  earlyLock?.release();
  earlyLock = undefined;
}
