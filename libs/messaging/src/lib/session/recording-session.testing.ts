import { Role } from '@channels/contracts';
import { Session, type SessionInit, type SessionTransport } from './session';

/**
 * A session whose transport records the notices it was sent and how it was closed (unit tests of
 * the core's services).
 */
export function recordingSession(
  o: { appID?: string; clientID?: string; role?: string } & Partial<SessionInit> = {},
) {
  const { appID = 'app', clientID = 'alice', role = Role.Client, ...init } = o;
  const sent: [string, unknown][] = [];
  const transport = {
    protocol: 'test',
    open: true as boolean,
    send: ({ name, payload }) => sent.push([name, payload]),
    sendEvent: () => undefined,
    write: () => undefined,
    pendingBytes: () => 0,
    close: jest.fn(() => {
      transport.open = false;
    }),
  } satisfies SessionTransport & { close: jest.Mock };
  const session = new Session(
    {
      appID,
      clientID,
      deviceID: 'd',
      connectionID: `${clientID}-${Math.random()}`,
      principal: { role, clientID, appID } as Session['principal'],
      publishBucket: { take: () => true },
      ...init,
    },
    transport,
  );
  return { session, sent, close: transport.close };
}
