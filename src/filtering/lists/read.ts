/**
 * Reads a list source from disk (R2.11): one list file, one squidGuard category folder, a UT1-style tree of category
 * folders, or a folder of list files (ShadowWhisperer, The Block List Project). Files are streamed, so a large list
 * never sits in memory as text, and `onProgress` can drive a progress bar. Vendor category names are mapped onto
 * Osprey's taxonomy; whatever cannot be imported is reported, never silently dropped.
 */
import { createReadStream } from 'node:fs';
import { open, readdir, readFile, readlink, stat } from 'node:fs/promises';
import { Buffer } from 'node:buffer';
import path from 'node:path';
import type { ListEntries } from '../engine/types.js';
import { ListCollector, fileReader } from './formats/collector.js';
import { SAMPLE_BYTES, detectFormat, type FormatGuess } from './formats/detect.js';
import { LINE_PARSERS, syntaxFor } from './formats/parse.js';
import { SQUIDGUARD_FILES, isSquidGuardFile } from './formats/squidguard.js';
import type { ListFormat, ListProblem, ParseCounts, ParseResult } from './formats/types.js';
import { mapCategory, vendorInfo, type ListVendor } from './mappings.js';
import { CATEGORIES, isCategoryId } from './taxonomy.js';

export interface ReadListOptions {
  /** Omitted or 'auto': worked out from the files (`detectFormat`). */
  format?: ListFormat | 'auto';
  /** The Osprey category for a single file or category folder; otherwise names are mapped through `vendor`. */
  category?: string;
  vendor?: ListVendor;
  /** Names the source in decisions ("why?"); defaults to the vendor, else the file or folder name. */
  sourceId?: string;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

/** One list inside the source (a category folder or a file) and what became of it. */
export interface SourceList {
  /** The name in the source: `gambling`, `Adult`, `drugs.txt`. */
  name: string;
  path: string;
  format: ListFormat;
  /** The Osprey category it was imported under; null when it was not imported (`reason` says why). */
  categoryId: string | null;
  reason?: string;
  /** The mapping's remark, e.g. what a French UT1 name means. */
  note?: string;
  counts: ParseCounts;
}

export interface ListSource {
  sourceId: string;
  format: ListFormat;
  formatReason: string;
  /** One entry per Osprey category, merged across the source's lists and without duplicates. */
  lists: ListEntries[];
  /** Adblock `@@` exceptions per category; only categories that have some. */
  exceptions: Array<{ categoryId: string; domains: string[]; urls: string[] }>;
  sources: SourceList[];
  /** Names that are another list under a second name (UT1's `porn` → `adult`), read once under the real name. */
  aliases: Array<{ name: string; aliasOf: string }>;
  /** Files that are not lists (README, LICENSE, UT1's `usage`), named so nothing seems to vanish. */
  ignored: string[];
  problems: ListProblem[];
  /** Totals over the lists read. */
  counts: ParseCounts;
  /** The vendor's title and licence, when a vendor was given (UT1's CC BY-SA notice must travel with its lists). */
  attribution?: { shortName: string; title: string; licence: string };
}

/** A problem with the request itself (no such path, unknown category), as opposed to a problem inside a list. */
export class ListSourceError extends Error {}

interface PlannedList {
  name: string;
  path: string;
  format: ListFormat;
  formatReason: string;
  /** Files to read, in order; a squidGuard folder has up to three. */
  files: Array<{ path: string; label: string; bytes: number }>;
  categoryId: string | null;
  reason?: string;
  note?: string;
  /** Not imported because nothing says which category it is (as opposed to deliberately ignored by a mapping). */
  unmapped?: boolean;
}

const NOT_A_LIST = /^(licen[cs]e|readme|copying|notice|changelog|global_usage|counts\.tsv|usage)(\.|$)|\.(pdf|md|html?)$/i;

function emptyCounts(): ParseCounts {
  return {
    lines: 0, blank: 0, comments: 0, domains: 0, urls: 0, expressions: 0, exceptions: 0,
    duplicates: 0, skipped: 0, skippedBecause: {}, problems: 0,
  };
}

function addCounts(total: ParseCounts, part: ParseCounts): void {
  for (const key of ['lines', 'blank', 'comments', 'domains', 'urls', 'expressions', 'exceptions', 'duplicates', 'skipped', 'problems'] as const) {
    total[key] += part[key];
  }
  for (const [why, count] of Object.entries(part.skippedBecause)) {
    total.skippedBecause[why] = (total.skippedBecause[why] ?? 0) + count;
  }
}

async function sizeOf(file: string): Promise<number> {
  return (await stat(file)).size;
}

async function guessFileFormat(file: string): Promise<FormatGuess> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(SAMPLE_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SAMPLE_BYTES, 0);
    return detectFormat(buffer.subarray(0, bytesRead), file);
  } finally {
    await handle.close();
  }
}

/** Decides which Osprey category a named list goes to. */
function chooseCategory(name: string, options: ReadListOptions, explicit: boolean): Pick<PlannedList, 'categoryId' | 'reason' | 'note' | 'unmapped'> {
  if (explicit && options.category !== undefined) return { categoryId: options.category };
  if (options.vendor !== undefined) {
    const mapping = mapCategory(options.vendor, name);
    if (mapping === undefined) {
      return {
        categoryId: null,
        unmapped: true,
        reason: `not in Osprey's ${vendorInfo(options.vendor).shortName} mapping (src/filtering/lists/mappings/${options.vendor}.json), so it was not imported; add it there to import it`,
      };
    }
    if (mapping.categoryId === null) return { categoryId: null, reason: mapping.reason };
    return { categoryId: mapping.categoryId, ...(mapping.note === undefined ? {} : { note: mapping.note }) };
  }
  const bare = name.replace(/\.txt$/i, '');
  if (isCategoryId(bare)) return { categoryId: bare };
  return {
    categoryId: null,
    unmapped: true,
    reason: 'not an Osprey category, so it was not imported; choose a category for it, or name the vendor (e.g. UT1) whose category names these are',
  };
}

async function planSquidGuardFolder(folder: string, name: string, options: ReadListOptions, explicit: boolean, ignored: string[]): Promise<PlannedList> {
  const files: PlannedList['files'] = [];
  for (const entry of (await readdir(folder, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isFile() || !isSquidGuardFile(entry.name)) {
      ignored.push(`${name}/${entry.name}`);
      continue;
    }
    const file = path.join(folder, entry.name);
    files.push({ path: file, label: `${name}/${entry.name}`, bytes: await sizeOf(file) });
  }
  // squidGuard reads domains, then urls, then expressions; problems follow the same order.
  const order = Object.keys(SQUIDGUARD_FILES);
  files.sort((a, b) => order.indexOf(path.basename(a.path)) - order.indexOf(path.basename(b.path)));
  return {
    name, path: folder, format: 'squidguard', formatReason: 'a squidGuard category folder', files,
    ...chooseCategory(name, options, explicit),
  };
}

async function planFile(file: string, name: string, options: ReadListOptions, explicit: boolean): Promise<PlannedList> {
  const guess = options.format === undefined || options.format === 'auto'
    ? await guessFileFormat(file)
    : { format: options.format, reason: 'chosen' };
  return {
    name, path: file, format: guess.format, formatReason: guess.reason,
    files: [{ path: file, label: name, bytes: await sizeOf(file) }],
    ...chooseCategory(name, options, explicit),
  };
}

/** A UT1 alias: a symlink to a sibling folder, or (in copies that lost their symlinks) a tiny file naming one. */
async function aliasTarget(root: string, name: string, isLink: boolean, folders: Set<string>): Promise<string | undefined> {
  const file = path.join(root, name);
  if (isLink) {
    const target = path.basename(await readlink(file));
    return folders.has(target) ? target : undefined;
  }
  if ((await sizeOf(file)) > 256) return undefined;
  const text = (await readFile(file, 'utf8')).trim();
  return folders.has(text) ? text : undefined;
}

async function planFolder(root: string, options: ReadListOptions, ignored: string[], aliases: ListSource['aliases']): Promise<PlannedList[]> {
  const entries = (await readdir(root, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  const rootName = path.basename(root);
  if (entries.some((entry) => entry.isFile() && isSquidGuardFile(entry.name))) {
    return [await planSquidGuardFolder(root, rootName, options, true, ignored)];
  }
  const folders = new Set<string>();
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const names = await readdir(path.join(root, entry.name));
    if (names.some(isSquidGuardFile)) folders.add(entry.name);
  }
  const plans: PlannedList[] = [];
  for (const entry of entries) {
    const target = entry.isDirectory() ? undefined : await aliasTarget(root, entry.name, entry.isSymbolicLink(), folders);
    if (target !== undefined) {
      aliases.push({ name: entry.name, aliasOf: target });
    } else if (folders.has(entry.name)) {
      plans.push(await planSquidGuardFolder(path.join(root, entry.name), entry.name, options, false, ignored));
    } else if (entry.isFile() && !NOT_A_LIST.test(entry.name) && !entry.name.startsWith('.') && folders.size === 0) {
      plans.push(await planFile(path.join(root, entry.name), entry.name, options, false));
    } else {
      ignored.push(entry.name);
    }
  }
  if (options.category !== undefined && plans.length > 1) {
    throw new ListSourceError(`'${root}' holds ${plans.length} lists, so one category cannot apply to all of them; name the vendor whose categories they are, or import one list`);
  }
  if (options.category !== undefined) {
    for (const plan of plans) Object.assign(plan, { categoryId: options.category, reason: undefined, note: undefined, unmapped: false });
  }
  return plans;
}

async function readPlanned(plan: PlannedList, progress: { read: number; total: number }, options: ReadListOptions): Promise<ParseResult> {
  const collector = new ListCollector();
  for (const file of plan.files) {
    const reader = fileReader(collector, file.label, LINE_PARSERS[syntaxFor(plan.format, file.path)]);
    for await (const chunk of createReadStream(file.path, { highWaterMark: 64 * 1024 })) {
      reader.push(chunk as Buffer);
      progress.read += (chunk as Buffer).length;
      options.onProgress?.(progress.read, progress.total);
    }
    reader.end();
  }
  return collector.result();
}

/** "'adverts' is not an Osprey category; did you mean 'advertising'?" */
function unknownCategory(wanted: string): string {
  const ids = CATEGORIES.map((c) => c.id);
  const w = wanted.toLowerCase();
  const close = ids.filter((id) => id.includes(w) || w.includes(id) || id.slice(0, 4) === w.slice(0, 4));
  return close.length > 0
    ? `'${wanted}' is not an Osprey category; did you mean ${close.slice(0, 3).map((id) => `'${id}'`).join(' or ')}?`
    : `'${wanted}' is not an Osprey category; the categories are ${ids.join(', ')}`;
}

function addAll(target: Set<string>, values: string[]): void {
  for (const value of values) target.add(value);
}

/**
 * Reads every list at `location` and returns its entries per Osprey category. Throws `ListSourceError` when the
 * request cannot be met (no such path, unknown category); problems inside the lists are returned, not thrown.
 */
export async function readListSource(location: string, options: ReadListOptions = {}): Promise<ListSource> {
  if (options.category !== undefined && !isCategoryId(options.category)) {
    throw new ListSourceError(unknownCategory(options.category));
  }
  const info = await stat(location).catch(() => undefined);
  if (info === undefined) throw new ListSourceError(`there is no file or folder at '${location}'`);

  const ignored: string[] = [];
  const aliases: ListSource['aliases'] = [];
  const plans = info.isDirectory()
    ? await planFolder(location, options, ignored, aliases)
    : [await planFile(location, path.basename(location), options, true)];
  if (plans.length === 0) throw new ListSourceError(`'${location}' holds no lists`);

  const progress = { read: 0, total: 0 };
  for (const plan of plans) if (plan.categoryId !== null) for (const file of plan.files) progress.total += file.bytes;
  options.onProgress?.(0, progress.total);

  const merged = new Map<string, { domains: Set<string>; urls: Set<string>; expressions: Set<string>; exDomains: Set<string>; exUrls: Set<string> }>();
  const sources: SourceList[] = [];
  const problems: ListProblem[] = [];
  const counts = emptyCounts();
  for (const plan of plans) {
    const source: SourceList = { name: plan.name, path: plan.path, format: plan.format, categoryId: plan.categoryId, counts: emptyCounts() };
    if (plan.note !== undefined) source.note = plan.note;
    sources.push(source);
    if (plan.categoryId === null) {
      source.reason = plan.reason ?? 'not imported';
      // A mapping's deliberate "ignore" is not a problem; a list nobody has placed in a category is.
      if (plan.unmapped) problems.push({ file: plan.name, line: 0, reason: source.reason });
      continue;
    }
    const result = await readPlanned(plan, progress, options);
    source.counts = result.counts;
    addCounts(counts, result.counts);
    problems.push(...result.problems);
    let bucket = merged.get(plan.categoryId);
    if (bucket === undefined) {
      bucket = { domains: new Set(), urls: new Set(), expressions: new Set(), exDomains: new Set(), exUrls: new Set() };
      merged.set(plan.categoryId, bucket);
    }
    addAll(bucket.domains, result.entries.domains);
    addAll(bucket.urls, result.entries.urls);
    addAll(bucket.expressions, result.entries.expressions);
    addAll(bucket.exDomains, result.exceptions.domains);
    addAll(bucket.exUrls, result.exceptions.urls);
  }

  const sourceId = options.sourceId ?? options.vendor ?? path.basename(location);
  const first = plans[0];
  return {
    sourceId,
    format: first?.format ?? 'domains',
    formatReason: first?.formatReason ?? '',
    lists: [...merged].map(([categoryId, bucket]) => ({
      sourceId, categoryId, domains: [...bucket.domains], urls: [...bucket.urls], expressions: [...bucket.expressions],
    })),
    exceptions: [...merged]
      .filter(([, bucket]) => bucket.exDomains.size + bucket.exUrls.size > 0)
      .map(([categoryId, bucket]) => ({ categoryId, domains: [...bucket.exDomains], urls: [...bucket.exUrls] })),
    sources,
    aliases,
    ignored,
    problems,
    counts,
    ...(options.vendor === undefined ? {} : { attribution: vendorInfo(options.vendor) }),
  };
}

/** `--format auto` for a path: a folder is squidGuard (or a folder of list files); a file is judged by its lines. */
export async function detectPathFormat(location: string): Promise<FormatGuess> {
  const info = await stat(location).catch(() => undefined);
  if (info === undefined) throw new ListSourceError(`there is no file or folder at '${location}'`);
  if (!info.isDirectory()) return guessFileFormat(location);
  const entries = await readdir(location, { withFileTypes: true });
  if (entries.some((entry) => entry.isDirectory() || (entry.isFile() && isSquidGuardFile(entry.name)))) {
    return { format: 'squidguard', reason: 'a folder of squidGuard category folders (domains, urls, expressions)' };
  }
  const firstList = entries.find((entry) => entry.isFile() && !NOT_A_LIST.test(entry.name));
  if (firstList === undefined) throw new ListSourceError(`'${location}' holds no lists`);
  return guessFileFormat(path.join(location, firstList.name));
}
