/**
 * A tiny client-side router on the History API: the server returns index.html for every UI path, and the UI
 * decides what to show from location.pathname and location.search.
 */
import { useSyncExternalStore, type MouseEvent, type ReactNode } from 'react';
import { Anchor, type AnchorProps } from '@mantine/core';

const listeners = new Set<() => void>();
const notify = () => { for (const l of listeners) l(); };
if (typeof window !== 'undefined') window.addEventListener('popstate', notify);

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => { listeners.delete(listener); };
}
const snapshot = () => window.location.pathname + window.location.search;

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (to === snapshot()) return;
  const samePath = to.split('?')[0] === window.location.pathname;
  if (opts.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  if (!samePath) window.scrollTo(0, 0);
  notify();
}

export interface Location { path: string; search: URLSearchParams; href: string }

/** The current path and query; re-renders when either changes. */
export function useLocation(): Location {
  const href = useSyncExternalStore(subscribe, snapshot);
  const [path, query = ''] = href.split('?');
  return { path: path.replace(/\/+$/, '') || '/', search: new URLSearchParams(query), href };
}

/** Matches "/people/:id" against a path; returns the parameters or null. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/').filter(Boolean);
  const a = path.split('/').filter(Boolean);
  if (p.length !== a.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(':')) params[p[i].slice(1)] = decodeURIComponent(a[i]);
    else if (p[i] !== a[i]) return null;
  }
  return params;
}

/** Props for anything rendered as <a href>: a normal link that the router handles without reloading the page. */
export function linkProps(to: string) {
  return {
    href: to,
    onClick: (e: MouseEvent<HTMLElement>) => {
      if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      navigate(to);
    },
  };
}

export function Link({ to, children, ...rest }: { to: string; children: ReactNode } & AnchorProps) {
  return <Anchor {...rest} {...linkProps(to)}>{children}</Anchor>;
}
