import { canUseApp, type TokenVerifier, type VerifiedToken } from '@channels/auth';
import { ChannelsError, ErrorCode, type Principal } from '@channels/contracts';
import type { Socket } from 'socket.io';

export interface HandshakeIdentity {
  principal: Principal;
  /** The verified token (its `iat` for revocation, its `exp` for the connection's expiry). */
  token: VerifiedToken;
  appID: string;
  deviceID: string | undefined;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/**
 * Reads the handshake (`auth: {token, appID, deviceID}`, or the URL parameters `Authorization`,
 * `AppID`, `DeviceID` for URL-only clients) and verifies the token may use the app.
 */
export function authenticateHandshake(socket: Socket, verifier: TokenVerifier): HandshakeIdentity {
  const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
  const query = socket.handshake.query as Record<string, unknown>;
  const token = str(auth['token']) ?? str(query['Authorization']) ?? str(query['token']);
  const verified = verifier.verifyToken(token);
  const principal = verified.principal;
  const appID = str(auth['appID']) ?? str(query['AppID']) ?? str(query['appID']) ?? principal.appID;
  if (!appID || appID.length > 150 || !canUseApp(principal, appID)) {
    throw new ChannelsError(ErrorCode.Unauthorized, 'this token may not use this app');
  }
  const deviceID = str(auth['deviceID']) ?? str(query['DeviceID']) ?? str(query['deviceID']);
  if (deviceID !== undefined && deviceID.length > 100) {
    throw new ChannelsError(ErrorCode.Unauthorized, 'deviceID is too long');
  }
  return { principal, token: verified, appID, deviceID };
}
