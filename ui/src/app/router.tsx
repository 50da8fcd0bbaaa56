/**
 * A tiny client-side router on the History API: the server returns index.html for every UI path, and the UI
 * decides what to show from location.pathname and location.search.
 */
import { createContext, useContext, useEffect, useState, type MouseEvent, type ReactNode } from 'react';
import { Anchor, type AnchorProps } from '@mantine/core';

const snapshot = () => window.location.pathname + window.location.search;

// The current address lives in React state (not an external store) so that a navigation and another state change
// made together (log-in + go to the next page) are rendered together.
let setCurrent: ((href: string) => void) | null = null;
const RouterContext = createContext<string>('/');

export function RouterProvider({ children }: { children: ReactNode }) {
  const [href, setHref] = useState(snapshot);
  useEffect(() => {
    setCurrent = setHref;
    const onPop = () => setHref(snapshot());
    window.addEventListener('popstate', onPop);
    return () => { window.removeEventListener('popstate', onPop); setCurrent = null; };
  }, []);
  return <RouterContext.Provider value={href}>{children}</RouterContext.Provider>;
}

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  const samePath = to.split('?')[0] === window.location.pathname;
  if (to !== snapshot()) {
    if (opts.replace) window.history.replaceState(null, '', to);
    else window.history.pushState(null, '', to);
  }
  if (!samePath) window.scrollTo(0, 0);
  setCurrent?.(snapshot());
}

export interface Location { path: string; search: URLSearchParams; href: string }

/** The current path and query; re-renders when either changes. */
export function useLocation(): Location {
  const href = useContext(RouterContext);
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
