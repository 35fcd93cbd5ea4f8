/** Who a token says it is (its claims, read without verifying: admin-api verifies every request). */
export interface Identity {
  role: 'super_admin' | 'admin';
  /** The admin's app; undefined for a super admin. */
  appID: string | undefined;
  clientID: string;
  /** Unix ms the token expires, when it says. */
  expiresAt: number | undefined;
}

/** Why a pasted token cannot sign in, or its identity. */
export type TokenReading = { ok: true; identity: Identity } | { ok: false; reason: string };

export function readToken(token: string, now = Date.now()): TokenReading {
  const parts = token.trim().split('.');
  if (parts.length !== 3) return { ok: false, reason: 'This is not a JWT (three dot-separated parts).' };
  let claims: Record<string, unknown>;
  try {
    claims = JSON.parse(base64UrlDecode(parts[1])) as Record<string, unknown>;
  } catch {
    return { ok: false, reason: 'The token’s claims cannot be read.' };
  }
  if (typeof claims !== 'object' || claims === null) {
    return { ok: false, reason: 'The token’s claims cannot be read.' };
  }
  const exp = typeof claims['exp'] === 'number' ? claims['exp'] * 1000 : undefined;
  if (exp !== undefined && exp <= now) return { ok: false, reason: 'This token has expired.' };
  const clientID = typeof claims['ClientID'] === 'string' ? claims['ClientID'] : '';
  const role = claims['Role'];
  if (role === 'Super_Admin' || role === 'SuperAdmin') {
    return { ok: true, identity: { role: 'super_admin', appID: undefined, clientID, expiresAt: exp } };
  }
  if (role === 'Admin') {
    const appID = claims['AppID'];
    if (typeof appID !== 'string' || appID === '') {
      return { ok: false, reason: 'This admin token names no app (AppID claim).' };
    }
    return { ok: true, identity: { role: 'admin', appID, clientID, expiresAt: exp } };
  }
  if (role === 'Client') {
    return {
      ok: false,
      reason: 'This is a client token. The dashboard needs an admin or super admin token.',
    };
  }
  return { ok: false, reason: 'The token has no Role claim of an admin or super admin.' };
}

function base64UrlDecode(s: string): string {
  const b64 = s
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(s.length / 4) * 4, '=');
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}
