/** Who is logged in: loaded once from GET /api/auth/me, replaced on log-in, cleared on log-out or expiry. */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiError, get, onAuthProblem, post, setCsrfToken } from '../api.ts';
import type { Me, Permission } from './types.ts';

interface AuthState {
  /** undefined while loading, null when nobody is logged in. */
  me: Me | null | undefined;
  setMe(me: Me | null): void;
  refresh(): Promise<Me | null>;
  logOut(): Promise<void>;
  can(permission: Permission): boolean;
  /** Why nobody is logged in, to explain it on the log-in page. */
  signedOut: 'logout' | 'expired' | null;
}

const AuthContext = createContext<AuthState | null>(null);

async function loadMe(): Promise<Me | null> {
  try {
    return await get<Me>('/api/auth/me');
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [me, setMeState] = useState<Me | null | undefined>(undefined);
  const [signedOut, setSignedOut] = useState<'logout' | 'expired' | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);

  const setMe = useCallback((next: Me | null) => {
    setCsrfToken(next?.csrfToken ?? '');
    if (next) setSignedOut(null);
    setMeState(next);
  }, []);

  const refresh = useCallback(async () => {
    const next = await loadMe();
    setMe(next);
    return next;
  }, [setMe]);

  useEffect(() => {
    refresh().catch((e: Error) => setLoadError(e.message));
  }, [refresh]);

  useEffect(() => onAuthProblem((err) => {
    if (err.code === 'not_signed_in') {
      setSignedOut('expired');
      setMe(null);
    } else {
      refresh().catch(() => undefined);
    }
  }), [refresh, setMe]);

  const logOut = useCallback(async () => {
    try {
      await post('/api/auth/logout');
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) throw e;
    }
    setSignedOut('logout');
    setMe(null);
  }, [setMe]);

  const value = useMemo<AuthState>(() => ({
    me, setMe, refresh, logOut, signedOut,
    can: (p) => Boolean(me?.permissions.includes(p)),
  }), [me, setMe, refresh, logOut, signedOut]);

  if (loadError) {
    return (
      <div role="alert" style={{ padding: 32, fontFamily: 'system-ui, sans-serif' }}>
        <h1>Osprey could not start</h1>
        <p>{loadError}</p>
        <p><a href={window.location.href}>Try again</a></p>
      </div>
    );
  }
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}

/** The logged-in person, for pages that are only shown to someone logged in. */
export function useMe(): Me {
  const { me } = useAuth();
  if (!me) throw new Error('useMe without a logged-in person');
  return me;
}
