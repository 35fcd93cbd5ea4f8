import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { TokenVerifier, toPrincipal } from '@channels/auth';
import {
  appIdSchema,
  clientIdSchema,
  describeZodError,
  isChannelsError,
  Role,
  ruleMessage,
} from '@channels/contracts';
import { usageError } from './errors';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/**
 * A token lifetime in seconds: `90`, `90s`, `15m`, `1h`, `7d`, `2w`; `never` (or `0`) for no
 * expiry (undefined).
 */
export function parseDuration(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'never' || t === '0') return undefined;
  const m = /^(\d+)\s*([smhdw]?)$/.exec(t);
  const seconds = m ? Number(m[1]) * (UNITS[m[2] || 's'] ?? 1) : NaN;
  if (!Number.isSafeInteger(seconds) || seconds <= 0) {
    throw usageError(`--expires: "${text}" is not a duration (e.g. 30m, 1h, 7d, or never)`);
  }
  return seconds;
}

/** The roles tokens carry, spelt as the services expect; any case, `-` or `_` accepted on input. */
export function parseRole(text: string): Role {
  const key = text.toLowerCase().replace(/[-_\s]/g, '');
  const role = { superadmin: Role.SuperAdmin, admin: Role.Admin, client: Role.Client }[key];
  if (!role) throw usageError(`--role: "${text}" is not one of Super_Admin, Admin, Client`);
  return role;
}

export interface MintRequest {
  role: Role;
  appID?: string;
  clientID?: string;
  /** Lifetime in seconds; undefined: no expiry. */
  expiresInSeconds?: number;
  /** HS256 secret. */
  secret?: string;
  /** PEM private key: signs RS256 instead (the services accept it when `JWT_PUBLIC_KEY` is set). */
  privateKey?: string;
}

export interface MintedToken {
  token: string;
  algorithm: 'HS256' | 'RS256';
  claims: Record<string, unknown>;
  /** Unix ms, or null when the token never expires. */
  expiresAt: number | null;
}

/**
 * Signs a token the services accept: claims `Role`, `ClientID`, `AppID` (none for a super admin),
 * `iat` and `exp`. Refuses what the services would refuse (a missing app or client id, ids too long).
 */
export function mintToken(r: MintRequest, nowMs = Date.now()): MintedToken {
  if (r.role === Role.SuperAdmin && r.appID !== undefined) {
    throw usageError('--app: a Super_Admin token acts on every app and carries none; leave --app out');
  }
  if (r.role !== Role.SuperAdmin && r.appID === undefined) {
    throw usageError(`an ${r.role} token needs an app: pass --app or set CHANNELS_APP`);
  }
  if (r.role === Role.Client && r.clientID === undefined) {
    throw usageError('a Client token needs --client <clientID>');
  }
  const clientID = r.clientID ?? (r.role === Role.SuperAdmin ? 'root' : 'admin');
  check(clientIdSchema, clientID, '--client');
  if (r.appID !== undefined) check(appIdSchema, r.appID, '--app');
  const iat = Math.floor(nowMs / 1000);
  const claims: Record<string, unknown> = {
    Role: r.role,
    ClientID: clientID,
    ...(r.appID !== undefined ? { AppID: r.appID } : {}),
    iat,
    ...(r.expiresInSeconds !== undefined ? { exp: iat + r.expiresInSeconds } : {}),
  };
  toPrincipal(claims);
  if (r.privateKey !== undefined) {
    const key = privateKeyOf(r.privateKey);
    return {
      token: jwt.sign(claims, key, { algorithm: 'RS256' }),
      algorithm: 'RS256',
      claims,
      ...expiry(claims),
    };
  }
  if (!r.secret) {
    throw usageError('no signing key: pass --secret or set JWT_SECRET (or --private-key <file> for RS256)');
  }
  return {
    token: jwt.sign(claims, r.secret, { algorithm: 'HS256' }),
    algorithm: 'HS256',
    claims,
    ...expiry(claims),
  };
}

export interface TokenReport {
  valid: boolean;
  /** Why it is not valid, as the services would answer (`unauthorized`: `token expired`, …). */
  error: { code: string; message: string } | null;
  algorithm: string | null;
  claims: Record<string, unknown> | null;
  role: string | null;
  appID: string | null;
  clientID: string | null;
  /** Unix ms. */
  issuedAt: number | null;
  expiresAt: number | null;
  expired: boolean;
}

/**
 * Checks a token the way the services do (`TokenVerifier`: algorithm pinned, signature, `exp` and
 * `nbf`, claims) and reports its claims whether or not it passes.
 */
export function checkToken(
  token: string,
  keys: { secret?: string; publicKey?: string },
  nowMs = Date.now(),
): TokenReport {
  const decoded = jwt.decode(token.trim().replace(/^bearer\s+/i, ''), { complete: true });
  const claims =
    decoded && typeof decoded.payload === 'object' ? (decoded.payload as Record<string, unknown>) : null;
  const algorithm = decoded ? String(decoded.header.alg) : null;
  if (algorithm === 'HS256' && !keys.secret) {
    throw usageError('an HS256 token is checked with the secret: pass --secret or set JWT_SECRET');
  }
  if (algorithm === 'RS256' && !keys.publicKey && !keys.secret) {
    throw usageError(
      'an RS256 token is checked with the public key: pass --public-key <file> or set JWT_PUBLIC_KEY',
    );
  }
  if (keys.publicKey !== undefined) publicKeyOf(keys.publicKey);
  const verifier = new TokenVerifier({
    // Without a secret only RS256 tokens can pass; a random one keeps HS256 from verifying.
    secret: keys.secret ?? randomBytes(32).toString('hex'),
    ...(keys.publicKey !== undefined ? { publicKey: keys.publicKey } : {}),
  });
  let error: TokenReport['error'] = null;
  try {
    verifier.verify(token);
  } catch (e) {
    if (!isChannelsError(e)) throw e;
    error = { code: e.code, message: e.message };
  }
  const num = (v: unknown) => (typeof v === 'number' ? v * 1000 : null);
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const expiresAt = num(claims?.['exp']);
  return {
    valid: error === null,
    error,
    algorithm,
    claims,
    role: str(claims?.['Role']),
    appID: str(claims?.['AppID']),
    clientID: str(claims?.['ClientID']),
    issuedAt: num(claims?.['iat']),
    expiresAt,
    expired: expiresAt !== null && expiresAt <= nowMs,
  };
}

const expiry = (claims: Record<string, unknown>) => ({
  expiresAt: typeof claims['exp'] === 'number' ? claims['exp'] * 1000 : null,
});

function check(schema: typeof appIdSchema | typeof clientIdSchema, value: string, flag: string): void {
  const r = schema.safeParse(value, { error: ruleMessage });
  if (!r.success) throw usageError(describeZodError(r.error, flag));
}

function privateKeyOf(pem: string) {
  try {
    return createPrivateKey(pem);
  } catch {
    throw usageError('--private-key: the file does not hold a PEM private key');
  }
}

function publicKeyOf(pem: string) {
  try {
    return createPublicKey(pem);
  } catch {
    throw usageError('the public key (--public-key or JWT_PUBLIC_KEY) is not a PEM public key');
  }
}
