import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { ApiClient } from '../../api/api-client';
import { type Identity, readToken } from './token';

/** The token lives in sessionStorage only: gone when the tab closes, never sent anywhere but admin-api. */
const STORAGE_KEY = 'channels.dashboard.token';

export interface Session {
  token: string;
  identity: Identity;
  api: ApiClient;
  isSuperAdmin: boolean;
  /** Whether this session may act on `appID` (a super admin: every app; an admin: its own). */
  mayUse(appID: string): boolean;
}

interface SessionState {
  session: Session | null;
  signIn(token: string): void;
  signOut(reason?: string): void;
  /** Why the last session ended, shown on the sign-in page. */
  endedBecause: string | null;
}

const SessionContext = createContext<SessionState | null>(null);

function load(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [token, setToken] = useState<string | null>(() => {
    const t = load();
    return t && readToken(t).ok ? t : null;
  });
  const [endedBecause, setEndedBecause] = useState<string | null>(null);

  const signOut = useCallback(
    (reason?: string) => {
      sessionStorage.removeItem(STORAGE_KEY);
      queryClient.clear();
      setEndedBecause(reason ?? null);
      setToken(null);
    },
    [queryClient],
  );

  const signIn = useCallback((t: string) => {
    sessionStorage.setItem(STORAGE_KEY, t.trim());
    setEndedBecause(null);
    setToken(t.trim());
  }, []);

  const session = useMemo<Session | null>(() => {
    if (!token) return null;
    const reading = readToken(token);
    if (!reading.ok) return null;
    const identity = reading.identity;
    const isSuperAdmin = identity.role === 'super_admin';
    return {
      token,
      identity,
      isSuperAdmin,
      api: new ApiClient(token, () => signOut('The token was refused (expired or revoked). Sign in again.')),
      mayUse: (appID) => isSuperAdmin || identity.appID === appID,
    };
  }, [token, signOut]);

  const value = useMemo(
    () => ({ session, signIn, signOut, endedBecause }),
    [session, signIn, signOut, endedBecause],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSessionState(): SessionState {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSessionState outside SessionProvider');
  return s;
}

/** The signed-in session (only under routes that require one). */
export function useSession(): Session {
  const { session } = useSessionState();
  if (!session) throw new Error('useSession without a signed-in session');
  return session;
}
