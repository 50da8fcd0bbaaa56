/**
 * The pages the proxy answers with instead of a site (R2.4, R4.4): the block page, the warning page with
 * "Continue", and short error pages. Plain HTML with no scripts and no outside resources (it is shown in place of
 * someone else's site). It says what was blocked, why in plain words, the category, and how to ask for a review;
 * it tells the reader that internet use is monitored; it shows nothing about anyone else. Accessible: a language,
 * one h1, landmarks, real headings, high contrast, a visible focus ring, text that reflows at 400% zoom.
 */
import { escapeHtml } from '../identity/logon-page.ts';

const STYLE = `body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f6f8;color:#1b1f24;line-height:1.5}
main{max-width:40rem;margin:2rem auto;padding:2rem;background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.15)}
h1{font-size:1.6rem;margin-top:0}h2{font-size:1.15rem;margin-top:1.5rem}.address{word-break:break-all;font-family:ui-monospace,monospace;background:#eef1f4;padding:.15rem .35rem;border-radius:3px}
button{padding:.7rem 1.4rem;font-size:1rem;background:#0b5cad;color:#fff;border:0;border-radius:4px;cursor:pointer}
:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}a{color:#0b5cad}footer{margin-top:2rem;font-size:.9rem;color:#4a5360;border-top:1px solid #d5dae0;padding-top:1rem}`;

const MONITORED = 'Internet use in school is filtered and monitored to keep everyone safe. This visit has been recorded.';

function page(title: string, main: string): string {
  return `<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>${main}<footer><p>${MONITORED}</p><p>Osprey web filter</p></footer></main></body></html>`;
}

export interface BlockPageFacts {
  /** The address asked for (shown unless the reason is illegal content). */
  url: string;
  /** The category's display name, when a category decided. */
  category?: string;
  /** explainDecision's sentences. */
  explanation: string[];
  /** The activity event's id, which staff can look up. */
  reference: string;
  illegal: boolean;
}

const shortRef = (id: string) => id.replace(/-/g, '').slice(-10).toUpperCase();

export function blockPage(f: BlockPageFacts): string {
  if (f.illegal) {
    // No address, category or list names: the page must not point anyone towards the content (IWF guidance).
    return page('Page blocked', `<h1>This page is blocked</h1>
<p>This page is on a list of content that is illegal in the UK, so Osprey, the school's web filter, has blocked it. It cannot be unblocked.</p>
<h2>If you are worried</h2><p>If something you have seen online has upset or worried you, speak to your teacher, the Online Safety Lead or another adult you trust.</p>
<p>Reference: ${shortRef(f.reference)}</p>`);
  }
  const category = f.category ? `<p><strong>Category:</strong> ${escapeHtml(f.category)}</p>` : '';
  return page('Page blocked', `<h1>This page is blocked</h1>
<p>Osprey, the school's web filter, has blocked <span class="address">${escapeHtml(f.url)}</span>.</p>${category}
<h2>Why it is blocked</h2>${f.explanation.map((s) => `<p>${escapeHtml(s)}</p>`).join('')}
<h2>Think this is a mistake?</h2>
<p>If you need this page for your learning or your work, speak to your teacher or the Online Safety Lead and ask them to review it. Tell them the address above and this reference: <strong>${shortRef(f.reference)}</strong>.</p>`);
}

/**
 * The page for an address the proxy never opens (`destination_refused`): the server itself, a local link, a private
 * network or an unusual port. It says which, and who can open it (the network manager), not how.
 */
export function destinationRefusedPage(f: { url: string; reason: string; reference: string }): string {
  return page('Address not opened', `<h1>This address is not opened</h1>
<p>Osprey, the school's web filter, did not open <span class="address">${escapeHtml(f.url)}</span>.</p>
<h2>Why it is not opened</h2><p>${escapeHtml(f.reason)}</p>
<h2>Think this is a mistake?</h2>
<p>If you need this address for your learning or your work, speak to your teacher or the school's network manager. Tell them the address above and this reference: <strong>${shortRef(f.reference)}</strong>.</p>`);
}

export interface WarnPageFacts extends Omit<BlockPageFacts, 'illegal'> {
  /** The form's token, proving the warning was shown to this person. */
  token: string;
  /** The path the Continue form posts to, on the same host. */
  continuePath: string;
  grantMinutes: number;
}

export function warnPage(f: WarnPageFacts): string {
  const category = f.category ? `<p><strong>Category:</strong> ${escapeHtml(f.category)}</p>` : '';
  return page('Before you continue', `<h1>Before you continue</h1>
<p>You asked for <span class="address">${escapeHtml(f.url)}</span>. The school asks you to think before using sites like this one.</p>${category}
<h2>Why you are seeing this</h2>${f.explanation.map((s) => `<p>${escapeHtml(s)}</p>`).join('')}
<p>If you continue, your visit is recorded and you will not see this warning again for this site for ${f.grantMinutes} minutes.</p>
<form method="post" action="${escapeHtml(f.continuePath)}">
<input type="hidden" name="to" value="${escapeHtml(f.url)}"><input type="hidden" name="token" value="${escapeHtml(f.token)}">
<button type="submit">Continue to the site</button>
</form>
<h2>Not sure?</h2><p>If you are not sure whether you should use this site, speak to your teacher or the Online Safety Lead. Reference: ${shortRef(f.reference)}.</p>`);
}

export function messagePage(title: string, paragraphs: string[]): string {
  return page(title, `<h1>${escapeHtml(title)}</h1>${paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('')}`);
}

/** A short plain-text answer for CONNECT (browsers do not show a body there, but curl and logs do). */
export function connectRefusalText(host: string, reason: string): string {
  return `Osprey, the school's web filter, blocked ${host}: ${reason}\nIf you need this site for your learning or your work, speak to your teacher or the Online Safety Lead.\nInternet use in school is monitored.\n`;
}
