/** Loads one API resource for a page: data, the error message to show, and a way to load it again. */
import { useCallback, useEffect, useState } from 'react';
import { get, isAbort, messageOf, type Query } from '../api.ts';

export interface Loaded<T> { data: T | undefined; error: string | null; loading: boolean; reload(): void }

export function useApi<T>(path: string | null, query?: Query): Loaded<T> {
  const key = path === null ? null : path + JSON.stringify(query ?? {});
  const [state, setState] = useState<{ key: string | null; data?: T; error: string | null }>({ key: null, error: null });
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);

  // `key` stands for path + query, so the effect reruns exactly when either changes (or on reload).
  useEffect(() => {
    if (path === null) return;
    const controller = new AbortController();
    get<T>(path, query, { signal: controller.signal })
      .then((data) => setState({ key, data, error: null }))
      .catch((e) => { if (!isAbort(e)) setState((s) => ({ key, data: s.data, error: messageOf(e) })); });
    return () => controller.abort();
  }, [key, generation]);

  return { data: state.data, error: state.error, loading: path !== null && state.key !== key, reload };
}
