import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import jwt, { type Algorithm } from 'jsonwebtoken';
import { ChannelsError, ErrorCode, type Principal, Role } from '@channels/contracts';

export interface TokenVerifierOptions {
  /** HS256 shared secret. */
  secret: string;
  /** PEM public key: when present, RS256 tokens are accepted too. */
  publicKey?: string;
}

/** A verified token: who it speaks for and its lifetime claims. */
export interface VerifiedToken {
  principal: Principal;
  /** `iat`, unix seconds (absent when the token has none). */
  issuedAt?: number;
  /** `exp` in unix milliseconds (absent: the token does not expire). */
  expiresAt?: number;
  /**
   * The `channels` claim: channel ids the connection is subscribed to at connect (under each
   * channel's rules), as Centrifugo's. Strings only, at most 256.
   */
  channels?: string[];
}

const ROLE_ALIASES: Record<string, Role> = {
  Super_Admin: Role.SuperAdmin,
  SuperAdmin: Role.SuperAdmin,
  Admin: Role.Admin,
  Client: Role.Client,
};

/**
 * Verifies Channels JWTs: algorithm pinned (HS256 with the secret, RS256 only with a configured
 * public key; `none` and anything else refused), `exp`/`nbf` honoured, claims normalised.
 */
export class TokenVerifier {
  /**
   * Key objects made once: given a string, jsonwebtoken re-derives the key on every call (first
   * trying to parse it as a PEM public key), which costs most of a verification.
   */
  private readonly hsKey: KeyObject;
  private readonly rsKey: KeyObject | undefined;

  constructor(options: TokenVerifierOptions) {
    this.hsKey = createSecretKey(Buffer.from(options.secret, 'utf8'));
    this.rsKey = options.publicKey ? publicKeyOrUndefined(options.publicKey) : undefined;
  }

  verify(token: string | undefined | null): Principal {
    return this.verifyToken(token).principal;
  }

  /** Like `verify`, with the token's lifetime claims (for revocation and expiry of connections). */
  verifyToken(token: string | undefined | null): VerifiedToken {
    if (!token) throw unauthorized('missing token');
    const raw = stripBearer(token);
    const decoded = jwt.decode(raw, { complete: true });
    if (!decoded || typeof decoded.payload !== 'object') throw unauthorized('malformed token');
    const alg = decoded.header.alg as Algorithm;
    let key: KeyObject;
    if (alg === 'HS256') key = this.hsKey;
    else if (alg === 'RS256' && this.rsKey) key = this.rsKey;
    else throw unauthorized(`token algorithm ${alg} is not accepted`);
    let claims: jwt.JwtPayload;
    try {
      claims = jwt.verify(raw, key, { algorithms: [alg] }) as jwt.JwtPayload;
    } catch (e) {
      const name = (e as Error).name;
      throw unauthorized(
        name === 'TokenExpiredError'
          ? 'token expired'
          : name === 'NotBeforeError'
            ? 'token not active yet'
            : 'invalid token',
      );
    }
    const principal = toPrincipal(claims);
    const channels = claims['channels'];
    if (
      channels !== undefined &&
      (!Array.isArray(channels) || channels.length > 256 || channels.some((c) => typeof c !== 'string'))
    )
      throw new ChannelsError(
        ErrorCode.Unauthorized,
        'invalid token: channels must be a list of channel ids',
      );
    return {
      principal,
      ...(typeof claims.iat === 'number' ? { issuedAt: claims.iat } : {}),
      ...(typeof claims.exp === 'number' ? { expiresAt: claims.exp * 1000 } : {}),
      ...(Array.isArray(channels) && channels.length > 0
        ? { channels: [...new Set(channels as string[])] }
        : {}),
    };
  }
}

export function toPrincipal(claims: Record<string, unknown>): Principal {
  const role = ROLE_ALIASES[String(claims['Role'] ?? '')];
  if (!role) throw unauthorized('token has no valid Role claim');
  const clientID = claims['ClientID'];
  if (typeof clientID !== 'string' || clientID.length === 0 || clientID.length > 100) {
    throw unauthorized('token has no valid ClientID claim');
  }
  const appID = claims['AppID'];
  if (role !== Role.SuperAdmin && (typeof appID !== 'string' || appID.length === 0)) {
    throw unauthorized('token has no AppID claim');
  }
  return {
    role,
    clientID,
    ...(typeof appID === 'string' && appID.length > 0 ? { appID } : {}),
  };
}

export function stripBearer(header: string): string {
  const t = header.trim();
  return /^bearer\s+/i.test(t) ? t.replace(/^bearer\s+/i, '').trim() : t;
}

/** A PEM public key as a key object; undefined when it does not parse (RS256 tokens are then refused). */
function publicKeyOrUndefined(pem: string): KeyObject | undefined {
  try {
    return createPublicKey(pem);
  } catch {
    return undefined;
  }
}

const unauthorized = (message: string) => new ChannelsError(ErrorCode.Unauthorized, message);
