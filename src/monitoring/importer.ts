/**
 * Reading phrase lists (R4.2): Osprey's own starter lists and e2guardian's weighted lists share one format; plain
 * lists have one phrase per line; the suicide-risk lexicon is a folder of plain lists, one per construct. A line that
 * cannot be read (broken encoding, a weight that is not a number, a bracket not closed) is reported with its line
 * number and left out; every other line is imported.
 *
 * e2guardian's format, as Osprey reads it:
 *   <phrase><weight>              a weighted phrase; a space inside the brackets is a word boundary: < bomb >
 *   <a>,<b>,<c><weight>           a combination: counts only when every part is present
 *   <phrase>                      in a list without weights (banned, exception): the default weight
 *   # comment                     also after a line: <phrase><50> # why
 *   .Include<path>                another file: reported and skipped (import that file on its own)
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isPhraseCategory, type PhraseCategory } from './matcher.ts';

export type ListFormat = 'e2guardian' | 'plain';

export interface ImportedPhrase { category: PhraseCategory; parts: string[]; weight: number; line: number; file?: string }
export interface ImportProblem { file?: string; line: number; text: string; message: string }

export interface ImportReport {
  phrases: ImportedPhrase[];
  /** Lines left out, each with why (including .Include lines). */
  problems: ImportProblem[];
  encoding: 'utf-8' | 'latin-1';
  lines: number;
  /** e2guardian's `#listcategory: "…"` when the file names one. */
  listCategory?: string;
}

export interface ParseOptions {
  category: PhraseCategory;
  format: ListFormat;
  /** For lines without a weight in lists that have none (plain, banned, exception lists). */
  defaultWeight?: number;
  file?: string;
}

export const MAX_WEIGHT = 1000;
const DEFAULT_WEIGHT: Record<'good' | 'other', number> = { good: -50, other: 50 };

/**
 * Decodes a list file. UTF-8 when every line is valid UTF-8; Latin-1 when no line with bytes above 127 is (older
 * e2guardian lists); otherwise UTF-8, and the lines that are not valid UTF-8 are reported as broken.
 */
export function decodeListFile(bytes: Uint8Array): { lines: string[]; encoding: 'utf-8' | 'latin-1'; broken: Set<number> } {
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let start = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3; // byte-order mark
  const rawLines: Uint8Array[] = [];
  for (let i = start; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      rawLines.push(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  if (rawLines.length > 0 && rawLines[rawLines.length - 1].length === 0) rawLines.pop();
  let validHigh = 0;
  let invalidHigh = 0;
  const decoded: Array<string | null> = rawLines.map((raw) => {
    if (!raw.some((b) => b > 0x7f)) return Buffer.from(raw).toString('latin1');
    try {
      const s = utf8.decode(raw);
      validHigh++;
      return s;
    } catch {
      invalidHigh++;
      return null;
    }
  });
  if (invalidHigh > 0 && validHigh === 0) {
    return { lines: rawLines.map((raw) => Buffer.from(raw).toString('latin1').replace(/\r$/, '')), encoding: 'latin-1', broken: new Set() };
  }
  const broken = new Set<number>();
  const lines = decoded.map((s, i) => {
    if (s === null) broken.add(i + 1);
    return (s ?? '').replace(/\r$/, '');
  });
  return { lines, encoding: 'utf-8', broken };
}

/** Control characters other than tab mean the line is binary or mis-encoded. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f\ufffd]/;

const PHRASE_GROUP = /^<([^<>]*)>/;

function parseE2guardianLine(line: string): { parts: string[]; weight: number | null } | string {
  let rest = line.trim();
  const parts: string[] = [];
  for (;;) {
    const m = PHRASE_GROUP.exec(rest);
    if (!m) {
      if (rest.startsWith('<')) return rest.indexOf('>') === -1 ? 'a bracket is not closed: every < needs a >' : 'a phrase holds a < inside it';
      return parts.length === 0 ? 'not a phrase: phrases are written <like this>' : `unexpected text after the phrase: '${rest.slice(0, 40)}'`;
    }
    parts.push(m[1]);
    rest = rest.slice(m[0].length);
    if (rest.startsWith(',')) {
      rest = rest.slice(1).trimStart();
      continue;
    }
    break;
  }
  let weight: number | null = null;
  // After the phrases: the weight (the last <…> with no comma before it), then perhaps a comment.
  if (parts.length > 1 || rest.startsWith('<')) {
    const candidate = rest.startsWith('<') ? rest : null;
    if (candidate) {
      const m = /^<([^<>]*)>/.exec(candidate);
      if (!m) return "the weight is not closed with '>'";
      if (!/^\s*-?\d+\s*$/.test(m[1])) return `the weight '${m[1]}' is not a whole number`;
      weight = Number(m[1]);
      rest = candidate.slice(m[0].length);
    }
  }
  rest = rest.trim();
  if (rest && !rest.startsWith('#')) return `unexpected text after the phrase: '${rest.slice(0, 40)}'`;
  if (weight !== null && Math.abs(weight) > MAX_WEIGHT) return `the weight ${weight} is too large (at most ${MAX_WEIGHT} either way)`;
  return { parts, weight };
}

/** Reads one list file's text. */
export function parsePhraseList(bytes: Uint8Array, opts: ParseOptions): ImportReport {
  const { lines, encoding, broken } = decodeListFile(bytes);
  const phrases: ImportedPhrase[] = [];
  const problems: ImportProblem[] = [];
  const pending: Array<{ parts: string[]; line: number; text: string }> = [];
  let weighted = false;
  let listCategory: string | undefined;
  const fallback = opts.defaultWeight ?? (opts.category === 'good' ? DEFAULT_WEIGHT.good : DEFAULT_WEIGHT.other);
  const problem = (line: number, text: string, message: string) => problems.push({ file: opts.file, line, text: text.slice(0, 200), message });
  lines.forEach((text, i) => {
    const line = i + 1;
    if (broken.has(line)) return problem(line, '', 'the line is not valid UTF-8 text (broken encoding): save the file as UTF-8 and import it again');
    const trimmed = text.trim();
    if (!trimmed) return;
    if (trimmed.startsWith('#')) {
      const m = /^#\s*listcategory:\s*"?([^"]*)"?/i.exec(trimmed);
      if (m) listCategory = m[1].trim();
      return;
    }
    if (CONTROL.test(text)) return problem(line, text, 'the line holds characters that are not text (broken encoding)');
    if (/^\.include\s*</i.test(trimmed)) return problem(line, trimmed, 'includes another file: import that file on its own');
    if (opts.format === 'plain') {
      const phrase = trimmed.replace(/\s+/g, ' ');
      if (phrase.length > 200) return problem(line, text, 'the phrase is longer than 200 characters');
      phrases.push({ category: opts.category, parts: [` ${phrase} `], weight: fallback, line, file: opts.file });
      return;
    }
    const parsed = parseE2guardianLine(trimmed);
    if (typeof parsed === 'string') return problem(line, text, parsed);
    if (parsed.parts.some((p) => !p.trim())) return problem(line, text, 'a phrase is empty');
    if (parsed.parts.some((p) => p.length > 200)) return problem(line, text, 'a phrase is longer than 200 characters');
    if (parsed.weight === null) pending.push({ parts: parsed.parts, line, text });
    else {
      weighted = true;
      phrases.push({ category: opts.category, parts: parsed.parts, weight: parsed.weight, line, file: opts.file });
    }
  });
  // A list with weights that has a line without one: that line is a mistake. A list with none (banned, exception
  // lists) takes the default weight for every phrase.
  for (const p of pending) {
    if (weighted) problem(p.line, p.text, 'the phrase has no weight: write it as <phrase><50>');
    else phrases.push({ category: opts.category, parts: p.parts, weight: fallback, line: p.line, file: opts.file });
  }
  phrases.sort((a, b) => a.line - b.line);
  problems.sort((a, b) => a.line - b.line);
  return { phrases, problems, encoding, lines: lines.length, listCategory };
}

export function readPhraseListFile(file: string, opts: Omit<ParseOptions, 'file'>): ImportReport {
  return parsePhraseList(readFileSync(file), { ...opts, file: path.basename(file) });
}

/**
 * e2guardian's ukenglish folders → Osprey categories. Folders about time-wasting rather than risk (games, chat,
 * gambling, warez) go to 'other', which only ever reaches the digest.
 */
export const E2GUARDIAN_CATEGORIES: Record<string, PhraseCategory> = {
  adult: 'sexual', pornography: 'sexual', nudism: 'sexual', personals: 'sexual',
  drugadvocacy: 'drugs', illegaldrugs: 'drugs', intolerance: 'discrimination', violence: 'violence', gore: 'violence',
  weapons: 'weapons', proxies: 'circumvention', goodphrases: 'good',
  badwords: 'other', chat: 'other', gambling: 'other', games: 'other', kidstimewasting: 'other', warezhacking: 'other',
};

/** Files in an e2guardian category folder that hold phrases (regexpurls are URL patterns, not phrases). */
const E2GUARDIAN_FILES = /^(weighted.*|banned|exception.*)$/;

/** Every phrase file under an e2guardian language folder (e.g. ukenglish/), each folder mapped to its category. */
export function readE2guardianTree(root: string): ImportReport[] {
  const reports: ImportReport[] = [];
  for (const folder of readdirSync(root).sort()) {
    const category = E2GUARDIAN_CATEGORIES[folder];
    const dir = path.join(root, folder);
    if (!category || !statSync(dir).isDirectory()) continue;
    for (const name of readdirSync(dir).sort()) {
      if (!E2GUARDIAN_FILES.test(name)) continue;
      const report = parsePhraseList(readFileSync(path.join(dir, name)), {
        category, format: 'e2guardian', file: `${folder}/${name}`,
        // banned phrases block a page outright in e2guardian: a high weight here; exception lists are good context.
        defaultWeight: category === 'good' ? -50 : name === 'banned' ? 100 : 50,
      });
      reports.push(report);
    }
  }
  return reports;
}

/**
 * The suicide-risk lexicon's constructs → category and weight. Direct suicidal language weighs most; risk factors
 * (hopelessness, entrapment) add a little, so together with other words they can reach the alert threshold but one
 * alone does not. Constructs that are not risks to a pupil online (sleep, finances, physical health) are left out.
 * A single word weighs a third: alone it is ambiguous ("attempt", "OD").
 */
export const LEXICON_CONSTRUCTS: Record<string, { category: PhraseCategory; weight: number }> = {
  active_suicidal_ideation_suicidal_planning: { category: 'self_harm', weight: 60 },
  passive_suicidal_ideation: { category: 'self_harm', weight: 40 },
  direct_self_injury: { category: 'self_harm', weight: 60 },
  lethal_means_for_suicide: { category: 'self_harm', weight: 45 },
  other_suicidal_language: { category: 'self_harm', weight: 40 },
  suicide_exposure: { category: 'self_harm', weight: 15 },
  hopelessness: { category: 'self_harm', weight: 15 },
  burdensomeness: { category: 'self_harm', weight: 15 },
  entrapment_desire_to_escape: { category: 'self_harm', weight: 15 },
  shame_self_disgust_worthlessness: { category: 'self_harm', weight: 10 },
  emotional_pain_psychache: { category: 'self_harm', weight: 10 },
  eating_disorders: { category: 'self_harm', weight: 15 },
  defeat_feeling_like_a_failure: { category: 'self_harm', weight: 5 },
  depressed_mood: { category: 'self_harm', weight: 5 },
  loneliness_isolation: { category: 'self_harm', weight: 5 },
  bullying: { category: 'bullying', weight: 25 },
  discrimination: { category: 'discrimination', weight: 20 },
  sexual_abuse_harassment: { category: 'sexual', weight: 30 },
  physical_abuse_violence: { category: 'violence', weight: 20 },
  other_substance_use: { category: 'drugs', weight: 15 },
};

/** The lexicon's by-construct folder (one plain list per construct), mapped with LEXICON_CONSTRUCTS. */
export function readLexiconFolder(folder: string): ImportReport[] {
  const reports: ImportReport[] = [];
  for (const name of readdirSync(folder).sort()) {
    if (!name.endsWith('.txt')) continue;
    const construct = name.slice(0, -4);
    const mapping = LEXICON_CONSTRUCTS[construct];
    if (!mapping) continue;
    const report = parsePhraseList(readFileSync(path.join(folder, name)), { category: mapping.category, format: 'plain', defaultWeight: mapping.weight, file: name });
    for (const p of report.phrases) if (!/\s/.test(p.parts[0].trim())) p.weight = Math.max(1, Math.round(mapping.weight / 3));
    reports.push(report);
  }
  return reports;
}

export function assertCategory(s: string): PhraseCategory {
  if (!isPhraseCategory(s)) throw new Error(`unknown category '${s}'`);
  return s;
}

/** Osprey's own starter lists (src/monitoring/phrases/<category>.txt), one report per file. */
export const STARTER_FOLDER = new URL('./phrases/', import.meta.url);

export function readStarterLists(): ImportReport[] {
  const folder = STARTER_FOLDER.pathname;
  return readdirSync(folder).filter((n) => n.endsWith('.txt')).sort().map((name) => {
    const category = assertCategory(name.slice(0, -4));
    return parsePhraseList(readFileSync(path.join(folder, name)), { category, format: 'e2guardian', file: name });
  });
}
