import { call, eventually, sleep } from '@channels/testing';
import { CRASH_BOUND_MS, GRACE_MS, lobbyScenario } from './support/presence-client';

/**
 * A gateway killed with -9 says no goodbye: its lease stops being renewed, the presence service
 * removes its connections and announces offline — within the lease plus the grace period — every
 * client that has no connection left elsewhere, and nobody else.
 */
describe('clients of a gateway killed with -9 are announced offline', () => {
  const { stack, connect } = lobbyScenario('crash');

  it('announces offline, within the bound, the clients whose only connection was on the killed gateway', async () => {
    const bob = await connect(1, 'bob');
    await connect(0, 'alice');
    await connect(0, 'carol');
    await connect(1, 'carol');
    await eventually(
      () => bob.heardAbout('alice').length === 1 && bob.heardAbout('carol').length === 1,
      'alice and carol online',
    );

    stack.kill9(stack.all('gateway')[0]);
    await eventually(() => bob.heardAbout('alice').length === 2, 'alice announced offline', CRASH_BOUND_MS);
    await sleep(GRACE_MS + 500);

    expect(bob.heardAbout('alice')).toEqual(['alice:true', 'alice:false']);
    expect(bob.heardAbout('carol')).toEqual(['carol:true']);
    const asked = await call<{ clientStatus: Record<string, { status: boolean }> }>(bob.socket, 'presence', {
      channelID: 'lobby',
    });
    expect(asked.clientStatus['alice']?.status).toBe(false);
    expect(asked.clientStatus['carol']?.status).toBe(true);
    expect(asked.clientStatus['bob']?.status).toBe(true);
  });
});
