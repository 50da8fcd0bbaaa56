/**
 * List sources (R2.11): import a categorised list from a path or an http(s) address, keep its parsed entries in a
 * content-addressed file, and replace them atomically on each update — a new file is written and synced first, then
 * one transaction points the source at it (with a change-log entry); a failed update leaves the old entries in use.
 * Web lists are fetched only from destinations Osprey opens (`download.ts`), and nothing fetched is ever repeated
 * in a message: a page that is not a list must not be readable through its import errors.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { appendAudit, type AuditActor } from '../../platform/audit.ts';
import type { Clock } from '../../platform/context.ts';
import type { Db } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import type { ListEntries } from '../engine/types.ts';
import { isListVendor } from '../lists/mappings.ts';
import { ListSourceError, readListSource, type ListSource } from '../lists/read.ts';
import { appendFilterChange } from '../policy/store.ts';
import { downloadList, DownloadError, shownUrl } from './download.ts';

export interface SourceDeps {
  db: Db;
  clock: Clock;
  dataDir: string;
  /** The listServers setting: the school's own list servers, which downloads may reach on private or local addresses. */
  listServers?: string;
}

export interface SourceInput {
  name: string;
  location: string;
  format?: string;
  category?: string;
  vendor?: string;
  /** For web addresses: how often to fetch again, in hours. */
  refreshHours?: number;
  reason?: string;
}

export interface ImportResult {
  sourceId: string;
  changed: boolean;
  entries: Record<string, number>;
  problems: Array<{ file: string; line: number; reason: string }>;
  problemsCount: number;
  attribution?: ListSource['attribution'];
}

const FORMATS = ['auto', 'squidguard', 'hosts', 'domains', 'adblock'];

const isUrl = (s: string) => /^https?:\/\//i.test(s);

function checkInput(input: SourceInput): void {
  const problems: string[] = [];
  if (!/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/.test(input.name ?? '')) problems.push('Give the list a short name of letters, digits, spaces, dots or dashes (up to 64).');
  if (input.format && !FORMATS.includes(input.format)) problems.push(`'${input.format}' is not a list format. Use one of: ${FORMATS.join(', ')}.`);
  if (input.vendor && !isListVendor(input.vendor)) problems.push(`'${input.vendor}' is not a list publisher Osprey knows. Use ut1, shadowwhisperer or blocklistproject, or leave it out and give --category.`);
  if (isUrl(input.location)) {
    try { new URL(input.location); } catch { problems.push(`'${input.location}' is not a valid web address.`); }
  } else if (!existsSync(input.location)) {
    problems.push(`There is no file or folder at ${input.location}. Check the path (or give an http:// or https:// address).`);
  }
  if (input.refreshHours !== undefined && !(Number.isInteger(input.refreshHours) && input.refreshHours >= 1 && input.refreshHours <= 24 * 31)) problems.push('Fetch a web list again every 1 to 744 hours.');
  if (problems.length) throw new AppError(400, 'invalid_list_source', problems.join(' '), { problems });
}

/** Writes the parsed entries and syncs them to disk before anything points at them. */
async function writeEntries(dataDir: string, sourceId: string, parsed: ListSource): Promise<{ rel: string; sha: string }> {
  const body = gzipSync(JSON.stringify({ lists: parsed.lists, exceptions: parsed.exceptions, attribution: parsed.attribution ?? null }));
  const sha = createHash('sha256').update(body).digest('hex');
  const rel = path.join('lists', sourceId, `${sha}.json.gz`);
  const full = path.join(dataDir, rel);
  await mkdir(path.dirname(full), { recursive: true });
  const tmp = `${full}.${process.pid}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(body);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, full);
  return { rel, sha };
}

/**
 * A downloaded list's problems keep their line numbers but not the lines: what a web server sent is never repeated
 * back (an address that is not a list at all would otherwise be readable through its import errors).
 */
function withoutFetchedText(problems: ListSource['problems'], url: string): ListSource['problems'] {
  return problems.map((p) => ({ ...p, file: url, reason: 'not a usable entry (lines fetched from the web are not repeated here; open the list at this line to see it)' }));
}

export async function loadSourceEntries(dataDir: string, entriesFile: string): Promise<ListEntries[]> {
  const data = JSON.parse(gunzipSync(await readFile(path.join(dataDir, entriesFile))).toString('utf8')) as { lists: ListEntries[] };
  return data.lists;
}

const countsOf = (lists: ListEntries[]) => Object.fromEntries(lists.map((l) => [l.categoryId, l.domains.length + l.urls.length + l.expressions.length]));

/**
 * Creates or updates the source called `input.name` and imports it now. Problems inside the list are reported and
 * skipped; a list that yields nothing at all is an error and keeps the previous entries.
 */
export async function importListSource(deps: SourceDeps, actor: AuditActor & { schoolId: string }, input: SourceInput, onProgress?: (done: number, total: number) => void): Promise<ImportResult> {
  checkInput(input);
  const { db, clock, dataDir } = deps;
  const existing = await db.selectFrom('list_sources').selectAll().where('school_id', '=', actor.schoolId).where('name', '=', input.name).executeTakeFirst();
  const sourceId = existing?.id ?? randomUUID();
  const kind: 'url' | 'file' = isUrl(input.location) ? 'url' : 'file';
  const now = clock.now();
  let parsed: ListSource;
  let etag: string | null = existing?.location === input.location ? existing.etag : null;
  let downloaded: string | undefined;
  try {
    let localPath = input.location;
    if (kind === 'url') {
      const got = await downloadList(input.location, existing && existing.status === 'ok' ? etag : null, path.join(dataDir, 'lists', 'tmp'), deps.listServers);
      if (!got) {
        await db.updateTable('list_sources').set({ last_checked_at: now, status: 'ok', last_error: null }).where('id', '=', sourceId).execute();
        return { sourceId, changed: false, entries: (existing?.entry_counts ?? {}) as Record<string, number>, problems: [], problemsCount: 0 };
      }
      localPath = downloaded = got.file;
      etag = got.etag;
    }
    parsed = await readListSource(localPath, {
      format: (input.format ?? 'auto') as 'auto', category: input.category, vendor: input.vendor as 'ut1' | undefined, sourceId: input.name, onProgress,
    });
    if (downloaded) parsed = { ...parsed, problems: withoutFetchedText(parsed.problems, shownUrl(input.location)) };
  } catch (e) {
    let message = e instanceof ListSourceError || e instanceof DownloadError ? e.message : `could not read the list: ${(e as Error).message}`;
    // the temporary file's path means nothing to the reader; the address does
    if (downloaded) message = message.split(downloaded).join(shownUrl(input.location));
    if (existing) await db.updateTable('list_sources').set({ status: 'error', last_error: message, last_checked_at: now }).where('id', '=', sourceId).execute();
    const status = e instanceof ListSourceError || (e instanceof DownloadError && e.refused) ? 400 : 502;
    throw new AppError(status, e instanceof DownloadError && e.refused ? 'list_address_refused' : 'list_unreadable', `The list '${input.name}' was not imported: ${message}`);
  } finally {
    if (downloaded) await rm(downloaded, { force: true });
  }

  const entries = countsOf(parsed.lists);
  const problems = parsed.problems.slice(0, 50).map((p) => ({ file: p.file, line: p.line, reason: p.reason }));
  const total = Object.values(entries).reduce((a, b) => a + b, 0);
  if (total === 0) {
    const message = `no usable entries were found (${parsed.counts.problems} problem lines). Check the format and the category.`;
    if (existing) await db.updateTable('list_sources').set({ status: 'error', last_error: message, last_checked_at: now }).where('id', '=', sourceId).execute();
    throw new AppError(400, 'list_empty', `The list '${input.name}' was not imported: ${message}`, { problems });
  }
  const file = await writeEntries(dataDir, sourceId, parsed);
  const changed = file.sha !== existing?.entries_sha256;
  const row = {
    name: input.name, location: input.location, kind, format: input.format ?? 'auto', vendor: input.vendor ?? null, category: input.category ?? null,
    refresh_hours: kind === 'url' ? input.refreshHours ?? existing?.refresh_hours ?? 24 : null, enabled: true, status: 'ok' as const,
    last_checked_at: now, last_updated_at: changed ? now : existing?.last_updated_at ?? now, last_error: null,
    entries_file: file.rel, entries_sha256: file.sha, entry_counts: JSON.stringify(entries), problems: JSON.stringify(problems),
    problems_count: parsed.counts.problems, etag,
  };
  await db.transaction().execute(async (tx) => {
    if (existing) await tx.updateTable('list_sources').set({ ...row, version: existing.version + 1 }).where('id', '=', sourceId).execute();
    else await tx.insertInto('list_sources').values({ ...row, id: sourceId, school_id: actor.schoolId, version: 1, created_at: now }).execute();
    if (changed) {
      await appendFilterChange(tx, actor.schoolId, {
        actorId: actor.id, actorLabel: actor.label, entityType: 'list_source', entityId: sourceId,
        action: existing ? 'list_source.updated' : 'list_source.created',
        reason: input.reason?.trim() || (existing ? `Updated from ${input.location}` : `Imported from ${input.location}`),
        before: existing ? { location: existing.location, entries: existing.entry_counts } : null, after: { location: input.location, entries },
      }, now);
      await appendAudit(tx, actor, { action: existing ? 'list_source.updated' : 'list_source.created', entityType: 'list_source', entityId: sourceId, details: { name: input.name, entries } }, now);
    }
  });
  if (existing?.entries_file && existing.entries_file !== file.rel) await rm(path.join(dataDir, existing.entries_file), { force: true });
  return { sourceId, changed, entries, problems, problemsCount: parsed.counts.problems, attribution: parsed.attribution };
}

export async function listSources(db: Db, schoolId: string) {
  const rows = await db.selectFrom('list_sources').selectAll().where('school_id', '=', schoolId).orderBy('name').execute();
  return rows.map((r) => ({
    id: r.id, name: r.name, location: r.location, kind: r.kind, format: r.format, vendor: r.vendor, category: r.category,
    refreshHours: r.refresh_hours, enabled: r.enabled, status: r.status, lastError: r.last_error,
    lastCheckedAt: r.last_checked_at ? new Date(r.last_checked_at).toISOString() : null,
    lastUpdatedAt: r.last_updated_at ? new Date(r.last_updated_at).toISOString() : null,
    entries: (typeof r.entry_counts === 'string' ? JSON.parse(r.entry_counts) : r.entry_counts) as Record<string, number>,
    problems: (typeof r.problems === 'string' ? JSON.parse(r.problems) : r.problems) as Array<{ file: string; line: number; reason: string }>,
    problemsCount: r.problems_count,
  }));
}

/** Fetches web lists whose refresh time has come. Returns what happened to each, for the log. */
export async function refreshDueSources(deps: SourceDeps, actorFor: (schoolId: string) => AuditActor & { schoolId: string }): Promise<Array<{ name: string; ok: boolean; message: string }>> {
  const now = deps.clock.now().getTime();
  const rows = await deps.db.selectFrom('list_sources').selectAll().where('kind', '=', 'url').where('enabled', '=', true).execute();
  const out: Array<{ name: string; ok: boolean; message: string }> = [];
  for (const r of rows) {
    const due = !r.last_checked_at || new Date(r.last_checked_at).getTime() + (r.refresh_hours ?? 24) * 3_600_000 <= now;
    if (!due) continue;
    try {
      const result = await importListSource(deps, actorFor(r.school_id), { name: r.name, location: r.location, format: r.format, category: r.category ?? undefined, vendor: r.vendor ?? undefined, refreshHours: r.refresh_hours ?? undefined });
      out.push({ name: r.name, ok: true, message: result.changed ? 'updated' : 'unchanged' });
    } catch (e) {
      out.push({ name: r.name, ok: false, message: (e as Error).message });
    }
  }
  return out;
}
