/**
 * One process at a time on the embedded database (issue 13, item 2). PGlite is PostgreSQL compiled into this
 * process: two processes opening the same files each believe they alone write them, so a command run beside
 * `osprey serve` (an import, say) wrote changes the server never saw and that the next start lost. Whoever opens the
 * embedded database first holds `<data folder>/db.lock` (its process id) until it closes it; anyone else is refused
 * with a plain message. A lock left by a process that has gone (a crash, a power cut) is taken over.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

/** Another Osprey process holds the data folder. */
export class DataFolderBusyError extends Error {
  constructor(readonly pid: number, readonly folder: string) {
    super(`Osprey is running (process ${pid}) and is using the embedded database in ${folder}. Make this change in the web interface, or stop Osprey first and run the command again.`);
  }
}

/** True when `pid` is another live process that may be Osprey (a Node process); false for this one or a dead one. */
export function pidIsOtherOsprey(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  // After a restart a stale lock's pid may belong to something else entirely; only a Node process counts.
  try {
    return /node|osprey/i.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return true;
  }
}

const heldHere = new Map<string, number>();

/**
 * Takes the data folder's database lock for this process, or throws DataFolderBusyError. Taking it again in the same
 * process counts; each take needs its release.
 */
export function lockDataFolder(dataDir: string): { release(): void } {
  const folder = path.resolve(dataDir);
  const file = path.join(folder, 'db.lock');
  const mine = heldHere.get(folder);
  if (mine === undefined) {
    for (let attempt = 0; ; attempt++) {
      try {
        const fd = openSync(file, 'wx');
        try { writeSync(fd, `${process.pid}\n`); } finally { closeSync(fd); }
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw e;
      }
      let holder = NaN;
      try { holder = Number(readFileSync(file, 'utf8').trim()); } catch { /* removed meanwhile: try again */ }
      if (pidIsOtherOsprey(holder)) throw new DataFolderBusyError(holder, folder);
      // Left by a process that has gone (or by this one): take it over.
      try { unlinkSync(file); } catch { /* someone else did */ }
    }
  }
  heldHere.set(folder, (mine ?? 0) + 1);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      const n = (heldHere.get(folder) ?? 1) - 1;
      if (n > 0) return void heldHere.set(folder, n);
      heldHere.delete(folder);
      try { unlinkSync(file); } catch { /* already gone */ }
    },
  };
}
