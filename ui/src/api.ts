/**
 * The one way the UI talks to the Osprey API: JSON in and out, the session cookie sent by the browser, the CSRF
 * header on every change, and the server's error message (written for people) thrown as an Error.
 */

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

let csrfToken = '';

/** Remembered from GET /api/auth/me or the log-in answer; sent as x-csrf-token on every change. */
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

type Listener = (err: ApiError) => void;
const authListeners = new Set<Listener>();

/** Called when the server says the session has ended or a password change is due, so the app can react. */
export function onAuthProblem(listener: Listener): () => void {
  authListeners.add(listener);
  return () => authListeners.delete(listener);
}

const CHANGES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export type Query = Record<string, string | number | boolean | null | undefined>;

/** Builds "?a=1&b=2", leaving out empty values. */
export function queryString(query: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

export async function api<T>(method: string, path: string, body?: unknown, opts: { signal?: AbortSignal } = {}): Promise<T> {
  if (body === undefined && CHANGES.has(method)) body = {};
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (CHANGES.has(method)) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, {
      method, headers, credentials: 'same-origin', signal: opts.signal,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'Osprey could not be reached. Check your network connection and try again.');
  }
  const text = await res.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (!res.ok) {
    const e = (data as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    const err = new ApiError(res.status, e?.code ?? 'unknown', e?.message ?? `Osprey answered with an unexpected error (${res.status}). Please try again.`, e?.details);
    if (err.code === 'not_signed_in' || err.code === 'password_change_required') for (const l of authListeners) l(err);
    throw err;
  }
  return data as T;
}

export const get = <T>(path: string, query?: Query, opts?: { signal?: AbortSignal }) => api<T>('GET', path + (query ? queryString(query) : ''), undefined, opts);
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, body ?? {});
export const put = <T>(path: string, body: unknown) => api<T>('PUT', path, body);
export const patch = <T>(path: string, body: unknown) => api<T>('PATCH', path, body);

/** The message to show for anything thrown by api(). */
export function messageOf(e: unknown): string {
  if (e instanceof Error && e.message) return e.message;
  return 'Something went wrong. Please try again.';
}

export const isAbort = (e: unknown) => e instanceof Error && e.name === 'AbortError';
