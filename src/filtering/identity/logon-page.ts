/**
 * The web log-on page (captive portal, R2.10): plain server-rendered HTML with a real form, so it works before the
 * web interface's scripts load and on any device a pupil is handed. Accessible: one heading, labelled fields, the
 * error announced with role="alert", visible focus, and the page readable at 400% zoom.
 */

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STYLE = `body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f6f8;color:#1b1f24;line-height:1.5}
main{max-width:32rem;margin:2rem auto;padding:2rem;background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.15)}
h1{font-size:1.5rem;margin-top:0}label{display:block;font-weight:600;margin-top:1rem}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.6rem;font-size:1rem;border:2px solid #5a6470;border-radius:4px}
button{margin-top:1.5rem;padding:.7rem 1.4rem;font-size:1rem;background:#0b5cad;color:#fff;border:0;border-radius:4px;cursor:pointer}
button.secondary{background:#fff;color:#0b5cad;border:2px solid #0b5cad}
:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}.alert{background:#fdecea;border-left:4px solid #b3261e;padding:.75rem 1rem}
.ok{background:#e8f5e9;border-left:4px solid #2e7d32;padding:.75rem 1rem}small{color:#4a5360}a{color:#0b5cad}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} – Osprey</title><style>${STYLE}</style></head><body><main>${body}
<p><small>Internet use in school is filtered and monitored to keep everyone safe.</small></p></main></body></html>`;
}

const until = (d: Date, timeZone: string) => d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', timeZone });

export interface LogonView {
  csrf: string;
  /** Where to go afterwards: only an http(s) address, shown as a link. */
  returnTo?: string;
  error?: string;
  username?: string;
  timeZone: string;
}

export function logonFormPage(v: LogonView): string {
  const error = v.error ? `<p class="alert" role="alert">${escapeHtml(v.error)}</p>` : '';
  return page('Log on to the internet', `<h1>Log on to the internet</h1>
<p>Log on with your school username and password so that the internet is set up for you on this device.</p>${error}
<form method="post" action="/logon">
<input type="hidden" name="csrf" value="${escapeHtml(v.csrf)}">
<input type="hidden" name="return" value="${escapeHtml(v.returnTo ?? '')}">
<label for="username">Username</label>
<input type="text" id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${escapeHtml(v.username ?? '')}"${v.error ? '' : ' autofocus'}>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit">Log on</button>
</form>
<p><small>Using a shared or school device? Log off when you have finished, so the next person is not using the internet as you.</small></p>`);
}

export function loggedOnPage(v: { username: string; expiresAt: Date; returnTo?: string; csrf: string; timeZone: string; justNow: boolean; signPath?: string }): string {
  let next = v.returnTo ? `<p><a href="${escapeHtml(v.returnTo)}">Continue to ${escapeHtml(shorten(v.returnTo))}</a></p>` : '';
  if (v.signPath) {
    // R6.4: the internet opens once the person has signed their Acceptable Use Agreement
    const sign = `${v.signPath}${v.returnTo ? `?return=${encodeURIComponent(v.returnTo)}` : ''}`;
    next = `<p class="alert" role="alert">Before you can use the internet, read and sign the school's Acceptable Use Agreement.</p>
<p><a href="${escapeHtml(sign)}">Read and sign the agreement</a></p>`;
  }
  return page('Logged on', `<h1>${v.justNow ? 'You are logged on' : 'This device is logged on'}</h1>
<p class="ok" role="status">This device is logged on as <strong>${escapeHtml(v.username)}</strong> until ${until(v.expiresAt, v.timeZone)}.</p>${next}
<form method="post" action="/logon/end">
<input type="hidden" name="csrf" value="${escapeHtml(v.csrf)}">
<button type="submit" class="secondary">Log off this device</button>
</form>`);
}

export function loggedOffPage(): string {
  return page('Logged off', `<h1>You are logged off</h1><p role="status">This device is no longer logged on as you.</p>
<p><a href="/logon">Log on again</a></p>`);
}

/** Only http(s) addresses may be offered as "continue to": never javascript: or data: links. */
export function safeReturn(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 2000) return undefined;
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}

const shorten = (url: string) => (url.length > 80 ? `${url.slice(0, 77)}…` : url);
