import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useSessionState } from '../session/session';

/** Sends a visitor without a session to the sign-in page, and back here afterwards. */
export function RequireSession({ children }: { children: ReactNode }) {
  const { session } = useSessionState();
  const location = useLocation();
  if (!session)
    return <Navigate to="/sign-in" replace state={{ from: location.pathname + location.search }} />;
  return children;
}
