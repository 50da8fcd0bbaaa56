/**
 * Text normalisation for risk phrases (R4.2). Search terms, URLs and phrase lists all go through the same function, so
 * a phrase matches whatever a pupil types to hide it: case, accents, leetspeak ("k1ll"), repeated letters
 * ("sooooo"), spaced or dotted letters ("k i l l", "k.i.l.l") and common misspellings and abbreviations ("kms").
 *
 * The result is the text's words, each reduced to a skeleton, joined by single spaces with a space at each end:
 * " kil myself ". A phrase that must start or end at a word boundary keeps its space there, so a multi-pattern
 * search over this text needs no boundary logic of its own (see matcher.ts).
 */

/** Letters NFKD does not decompose into a base letter and a mark. */
const SPECIAL_LETTERS: Record<string, string> = {
  ß: 'ss', ł: 'l', ø: 'o', đ: 'd', ð: 'd', þ: 'th', æ: 'ae', œ: 'oe', ı: 'i', ħ: 'h',
};

/** Leetspeak, applied only inside words that also hold letters ("2257" stays a number, "k1ll" becomes "kill"). */
const LEET: Record<string, string> = {
  '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '9': 'g', '@': 'a', '$': 's', '!': 'i', '|': 'l', '€': 'e', '£': 'l',
};

/**
 * Misspellings, text-speak and run-together words, keyed by the skeleton of the word (after leetspeak and repeated
 * letters). Values are written plainly and reduced the same way when the table is loaded.
 */
const VARIANTS_SOURCE: Record<string, string> = {
  kms: 'kill myself', kys: 'kill yourself', unalive: 'kill', unaliving: 'killing', sewerslide: 'suicide',
  suicde: 'suicide', sucide: 'suicide', suiside: 'suicide', suicid: 'suicide', sucidal: 'suicidal', suisidal: 'suicidal',
  selfharm: 'self harm', selfharming: 'self harming', slefharm: 'self harm', harming: 'harming',
  myslef: 'myself', mysefl: 'myself', meself: 'myself', urself: 'yourself', yourslef: 'yourself',
  wanna: 'want to', gonna: 'going to', gotta: 'got to', dunno: 'do not know', cant: 'can not', dont: 'do not', wont: 'will not',
  im: 'i am', ive: 'i have', u: 'you', ur: 'your', r: 'are', pls: 'please', plz: 'please', bc: 'because', cuz: 'because', coz: 'because',
  h8: 'hate', gr8: 'great', l8r: 'later', b4: 'before', '2day': 'today', '2nite': 'tonight', nite: 'night',
  wepon: 'weapon', weapen: 'weapon', gunz: 'guns', nife: 'knife', knif: 'knife', bom: 'bomb', bomm: 'bomb',
  drugz: 'drugs', canabis: 'cannabis', cannibis: 'cannabis', weeed: 'weed', extasy: 'ecstasy', extacy: 'ecstasy',
  terorist: 'terrorist', terrorst: 'terrorist', jihaad: 'jihad', nazee: 'nazi',
  porno: 'porn', pr0n: 'porn', prn: 'porn', seks: 'sex', secks: 'sex', nudez: 'nudes', noodz: 'nudes', nudz: 'nudes',
  bulied: 'bullied', bullyed: 'bullied', bulying: 'bullying', bullyin: 'bullying',
};

const MARKS = /\p{M}+/gu;
/** Characters that can be part of a word here: letters, digits and the leetspeak symbols. */
const WORD_CHAR = /[\p{L}\p{N}@$!|€£]/u;
const LETTER = /\p{L}/u;

// eslint-disable-next-line no-control-regex
const NOT_ASCII = /[^\x00-\x7f]/;

function foldLetters(text: string): string {
  if (!NOT_ASCII.test(text)) return text.toLowerCase();
  let s = text.normalize('NFKD').replace(MARKS, '').toLowerCase();
  if (/[ßłøđðþæœıħ]/.test(s)) s = s.replace(/[ßłøđðþæœıħ]/g, (c) => SPECIAL_LETTERS[c]);
  return s;
}

/** LEET as character codes (0: not a leetspeak character). */
const LEET_CODE = new Int32Array(128);
for (const [from, to] of Object.entries(LEET)) if (from.charCodeAt(0) < 128) LEET_CODE[from.charCodeAt(0)] = to.charCodeAt(0);

const isBar = (c: number) => c === 33 || c === 124; // '!' and '|'

/**
 * One word's skeleton, in one pass (this runs for every word of every event): leetspeak becomes letters in words
 * that hold letters (a run of two or more '1's is "ll": ki11 → kill; one alone is 'i': su1c1de → suicide); numbers
 * alone ("2257") keep their digits; then repeated letters collapse to one ("sooooo" → "so", "kill" → "kil"), the
 * same for text and phrases. '!' and '|' stand for letters only inside a word: "help!" is not "helpi".
 */
function skeleton(word: string): string {
  let a = 0;
  let b = word.length;
  while (a < b && isBar(word.charCodeAt(a))) a++;
  while (b > a && isBar(word.charCodeAt(b - 1))) b--;
  let hasLetter = false;
  let ascii = true;
  for (let i = a; i < b; i++) {
    const c = word.charCodeAt(i);
    if (c >= 97 && c <= 122) hasLetter = true;
    else if (c >= 128) ascii = false;
  }
  if (!hasLetter && !ascii) hasLetter = LETTER.test(word.slice(a, b));
  // Built only from the first character that changes: most words need no change and are returned as a slice.
  let out: string | null = null;
  let last = -1;
  for (let i = a; i < b; i++) {
    const original = word.charCodeAt(i);
    let c = original;
    if (c < 128 && !(c >= 97 && c <= 122)) {
      if (hasLetter) {
        if (c >= 65 && c <= 90) c += 32;
        else if (c === 49 && (word.charCodeAt(i + 1) === 49 || word.charCodeAt(i - 1) === 49)) c = 108; // '1' in a run: 'l'
        else if (LEET_CODE[c]) c = LEET_CODE[c];
        else if (c < 48 || c > 57) {
          out ??= word.slice(a, i);
          continue;
        }
      } else if (c < 48 || c > 57) {
        out ??= word.slice(a, i);
        continue;
      }
    } else if (c >= 128 && hasLetter && LEET[word[i]]) {
      c = LEET[word[i]].charCodeAt(0);
    }
    if (c === last || c !== original) out ??= word.slice(a, i);
    if (c !== last && out !== null) out += String.fromCharCode(c);
    last = c;
  }
  const result = out ?? word.slice(a, b);
  // A word of one letter repeated ("xxx", "kkk") keeps up to three: collapsed to "x" it would be found everywhere.
  if (result.length === 1 && b - a > 1) return word.slice(a, Math.min(b, a + 3)).toLowerCase();
  return result;
}

const VARIANTS = new Map<string, string[]>();
for (const [from, to] of Object.entries(VARIANTS_SOURCE)) {
  VARIANTS.set(skeleton(foldLetters(from)), foldLetters(to).split(' ').map(skeleton));
}

/** Splits into raw words: anything that is not a word character separates words. Apostrophes join ("don't"). */
function rawWords(text: string): string[] {
  const words: string[] = [];
  let start = -1;
  let current = '';
  // Slices of plain runs rather than a string built a character at a time: most text is ASCII letters and digits.
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    const word = (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 64 || c === 36 || c === 33 || c === 124
      || (c >= 128 && WORD_CHAR.test(text[i]));
    if (word) {
      if (start === -1) start = i;
      continue;
    }
    if ((c === 39 || c === 0x2019) && (start !== -1 || current)) {
      if (start !== -1) current += text.slice(start, i);
      start = -1;
      continue;
    }
    if (start !== -1) current += text.slice(start, i);
    start = -1;
    if (current) {
      words.push(current);
      current = '';
    }
  }
  return words;
}

/**
 * Three or more single letters in a row are one word spelled out ("k i l l", "k.i.l.l", "k-i-l-l" → "kill").
 * Two ("a i") are left alone: too common in ordinary text.
 */
function joinSpelledOut(words: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length;) {
    let j = i;
    while (j < words.length && words[j].length === 1) j++;
    if (j - i >= 3 && hasLetterIn(words, i, j)) {
      out.push(words.slice(i, j).join(''));
      i = j;
    } else {
      out.push(words[i]);
      i++;
    }
  }
  return out;
}

function hasLetterIn(words: string[], from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (LETTER.test(words[k])) return true;
  return false;
}

/** The normalised form of any text: " word word word " (empty text gives " "). */
export function normaliseText(text: string): string {
  const words = joinSpelledOut(rawWords(foldLetters(text)));
  let out = ' ';
  for (const w of words) {
    const s = skeleton(w);
    if (!s) continue;
    const variant = VARIANTS.get(s);
    out += variant ? `${variant.join(' ')} ` : `${s} `;
  }
  return out;
}

/**
 * A phrase's search pattern. e2guardian's convention, which Osprey's own lists share: a space just inside the angle
 * brackets means a word boundary there ("< bomb >" is the word bomb; "<anarchist>" is found inside "anarchists").
 * Returns null when nothing is left to look for (a phrase of punctuation only).
 */
export function normalisePhrase(phrase: string): string | null {
  const body = normaliseText(phrase).trim();
  if (!body) return null;
  // Very short phrases ("ed", "od") are found inside other words unless they stand alone: they always do.
  const short = body.length < 4;
  const left = short || /^\s/.test(phrase) ? ' ' : '';
  const right = short || /\s$/.test(phrase) ? ' ' : '';
  return `${left}${body}${right}`;
}

/** True when a character can be part of a word (for callers that build phrases). */
export function isWordChar(c: string): boolean {
  return WORD_CHAR.test(c);
}

/**
 * The text of a URL worth matching: host, path and query, percent-decoded, '+' as a space. Search terms are
 * matched separately (the activity event holds them already decoded).
 */
export function urlText(url: string): string {
  let s = url.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  s = s.replace(/\+/g, ' ');
  try {
    s = decodeURIComponent(s);
  } catch {
    s = s.replace(/%([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
  return s;
}
