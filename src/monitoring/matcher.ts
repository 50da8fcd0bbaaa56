/**
 * The phrase matcher (R4.2): thousands of weighted phrases found in one pass over normalised text, with an
 * Aho–Corasick automaton compiled to a full transition table (the next state is one array read per character,
 * whatever the number of phrases). Word boundaries are spaces kept in the patterns (normalise.ts), so the automaton
 * itself knows nothing of words.
 *
 * Scoring: each phrase found counts its weight once per text (a search repeated in one URL is not worse for it);
 * a combination `<a>,<b><w>` counts w once when all its parts are present; "good phrases" (category `good`,
 * negative weights — educational context) lower every risk category's score; a negative weight in a risk category
 * lowers that category only.
 */
import { normalisePhrase, normaliseText } from './normalise.ts';

/** The risks R4.2 names, in the order the UI lists them. */
export const RISK_CATEGORIES = ['self_harm', 'extremism', 'bullying', 'sexual', 'drugs', 'weapons', 'violence', 'discrimination'] as const;
export type RiskCategory = typeof RISK_CATEGORIES[number];

/** Phrase lists also hold proxy/VPN words (circumvention), other unsuitable content and good phrases. */
export const PHRASE_CATEGORIES = [...RISK_CATEGORIES, 'circumvention', 'other', 'good'] as const;
export type PhraseCategory = typeof PHRASE_CATEGORIES[number];

export const CATEGORY_NAMES: Record<PhraseCategory, string> = {
  self_harm: 'Self-harm and suicide', extremism: 'Extremism and radicalisation', bullying: 'Bullying',
  sexual: 'Sexual content and grooming', drugs: 'Drugs', weapons: 'Weapons', violence: 'Violence',
  discrimination: 'Discrimination', circumvention: 'Getting round the filter (proxies, VPNs)',
  other: 'Other unsuitable content', good: 'Good phrases (educational context)',
};

export function isPhraseCategory(s: string): s is PhraseCategory {
  return (PHRASE_CATEGORIES as readonly string[]).includes(s);
}

/** One phrase or combination: parts in e2guardian's form (a space inside the brackets is a word boundary). */
export interface PhraseEntry {
  category: PhraseCategory;
  parts: string[];
  weight: number;
}

export interface PhraseMatch { category: PhraseCategory; phrase: string; weight: number }

export interface ScoreResult {
  /** Per category, after good phrases; only categories with a phrase found. */
  scores: Partial<Record<PhraseCategory, number>>;
  matches: PhraseMatch[];
}

export interface Matcher {
  /** How many phrases and combinations the matcher holds. */
  readonly phrases: number;
  /** Phrases that were left out because nothing was left after normalising them (punctuation only). */
  readonly unusable: number;
  /** Scores raw texts (search term, URL text, page text): each is normalised, then searched. */
  score(texts: readonly string[]): ScoreResult;
  /** Scores text already normalised with normaliseText. */
  scoreNormalised(normalised: readonly string[]): ScoreResult;
}

/** How a phrase is shown to a person: its parts as written, joined by ' + '. */
export function phraseLabel(parts: readonly string[]): string {
  return parts.map((p) => p.trim()).join(' + ');
}

export function compileMatcher(entries: readonly PhraseEntry[]): Matcher {
  const patternIds = new Map<string, number>();
  const patterns: string[] = [];
  /** Per pattern: the entries that use it. */
  const users: number[][] = [];
  const usable: Array<{ entry: PhraseEntry; patterns: number[]; label: string }> = [];
  let unusable = 0;
  /** The same phrase in one category from several lists (or spellings that normalise alike) counts once, at its largest weight. */
  const byKey = new Map<string, number>();
  for (const entry of entries) {
    const ids: number[] = [];
    for (const part of entry.parts) {
      const p = normalisePhrase(part);
      if (p === null) {
        ids.length = 0;
        break;
      }
      let id = patternIds.get(p);
      if (id === undefined) {
        id = patterns.length;
        patternIds.set(p, id);
        patterns.push(p);
        users.push([]);
      }
      if (!ids.includes(id)) ids.push(id);
    }
    if (ids.length === 0) {
      unusable++;
      continue;
    }
    const key = `${entry.category}\u0000${[...ids].sort((x, y) => x - y).join(',')}`;
    const earlier = byKey.get(key);
    if (earlier !== undefined) {
      if (Math.abs(entry.weight) > Math.abs(usable[earlier].entry.weight)) usable[earlier].entry = entry;
      continue;
    }
    byKey.set(key, usable.length);
    for (const id of ids) users[id].push(usable.length);
    usable.push({ entry, patterns: ids, label: phraseLabel(entry.parts) });
  }
  const automaton = buildAutomaton(patterns);
  const seen = new Uint32Array(patterns.length);
  const counted = new Uint32Array(usable.length);
  let stamp = 0;

  function scoreNormalised(texts: readonly string[]): ScoreResult {
    stamp++;
    if (stamp === 0xffffffff) {
      seen.fill(0);
      counted.fill(0);
      stamp = 1;
    }
    const found: number[] = [];
    for (const text of texts) automaton.search(text, (pid) => {
      if (seen[pid] !== stamp) {
        seen[pid] = stamp;
        found.push(pid);
      }
    });
    const scores: Partial<Record<PhraseCategory, number>> = {};
    const matches: PhraseMatch[] = [];
    if (found.length === 0) return { scores, matches };
    let good = 0;
    for (const pid of found) {
      for (const e of users[pid]) {
        if (counted[e] === stamp) continue;
        const u = usable[e];
        if (u.patterns.length > 1 && !u.patterns.every((p) => seen[p] === stamp)) continue;
        counted[e] = stamp;
        matches.push({ category: u.entry.category, phrase: u.label, weight: u.entry.weight });
        if (u.entry.category === 'good') good += u.entry.weight;
        else scores[u.entry.category] = (scores[u.entry.category] ?? 0) + u.entry.weight;
      }
    }
    if (good !== 0) {
      for (const c of Object.keys(scores) as PhraseCategory[]) if (c !== 'circumvention') scores[c]! += good;
      scores.good = good;
    }
    return { scores, matches };
  }

  return {
    phrases: usable.length,
    unusable,
    scoreNormalised,
    score: (texts) => scoreNormalised(texts.map(normaliseText)),
  };
}

interface Automaton { search(text: string, onMatch: (patternId: number) => void): void }

/**
 * Aho–Corasick with every transition precomputed. Characters are mapped to a small alphabet (those that occur in
 * the patterns; everything else is symbol 0, which leads back to the root), so the table is nodes × alphabet.
 * Measured with the full imported lists (bench/monitor.ts): about 100,000 nodes × 40 symbols, some 16 MB.
 */
function buildAutomaton(patterns: readonly string[]): Automaton {
  const symbolOf = new Map<number, number>();
  for (const p of patterns) for (let i = 0; i < p.length; i++) {
    const c = p.charCodeAt(i);
    if (!symbolOf.has(c)) symbolOf.set(c, symbolOf.size + 1);
  }
  const width = symbolOf.size + 1;
  const ascii = new Int32Array(128);
  for (const [c, s] of symbolOf) if (c < 128) ascii[c] = s;
  let capacity = 1;
  for (const p of patterns) capacity += p.length;
  const next = new Int32Array(capacity * width).fill(-1);
  /** The first pattern ending at a node, and the next node down the failure chain that ends a pattern. */
  const output = new Int32Array(capacity).fill(-1);
  const outputLink = new Int32Array(capacity).fill(-1);
  let nodes = 1;
  patterns.forEach((p, id) => {
    let node = 0;
    for (let i = 0; i < p.length; i++) {
      const s = symbolOf.get(p.charCodeAt(i))!;
      let to = next[node * width + s];
      if (to === -1) {
        to = nodes++;
        next[node * width + s] = to;
      }
      node = to;
    }
    output[node] = id; // patterns are distinct, so one ends here at most
  });
  // Breadth first: each node's failure link is known before its children need it.
  const fail = new Int32Array(nodes);
  const queue = new Int32Array(nodes);
  let head = 0;
  let tail = 0;
  for (let s = 0; s < width; s++) {
    const to = next[s];
    if (to === -1) next[s] = 0;
    else {
      fail[to] = 0;
      queue[tail++] = to;
    }
  }
  while (head < tail) {
    const node = queue[head++];
    const f = fail[node];
    outputLink[node] = output[f] !== -1 ? f : outputLink[f];
    for (let s = 0; s < width; s++) {
      const to = next[node * width + s];
      if (to === -1) next[node * width + s] = next[f * width + s];
      else {
        fail[to] = next[f * width + s];
        queue[tail++] = to;
      }
    }
  }
  const table = next.subarray(0, nodes * width);
  return {
    search(text, onMatch) {
      let node = 0;
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        const s = c < 128 ? ascii[c] : symbolOf.get(c) ?? 0;
        node = table[node * width + s];
        for (let o = output[node] !== -1 ? node : outputLink[node]; o !== -1; o = outputLink[o]) {
          onMatch(output[o]);
        }
      }
    },
  };
}
