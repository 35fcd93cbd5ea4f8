import { eventually, sleep } from '@channels/testing';
import { GRACE_MS, LEASE_MS, type PresenceClient, lobbyScenario } from './support/presence-client';

/**
 * The grace period absorbs reconnects: a client that comes back within it — through any gateway,
 * including after its gateway drained on SIGTERM during a rolling restart — is never announced
 * offline.
 */
describe('reconnects within the grace period announce nothing', () => {
  const { stack, connect, clients } = lobbyScenario('grace');

  it('does not announce a client that reconnects through another gateway within the grace period', async () => {
    const watcher = await connect(1, 'watcher');
    const first = await connect(0, 'alice');
    await eventually(() => watcher.heardAbout('alice').length === 1, 'alice announced online');

    first.socket.close();
    await sleep(GRACE_MS / 3);
    await connect(1, 'alice');
    await sleep(GRACE_MS * 2 + 500);

    expect(watcher.heardAbout('alice')).toEqual(['alice:true']);
  });

  it('announces no one offline when a gateway drains on SIGTERM and its clients reconnect elsewhere', async () => {
    const watcher = clients.find((c) => c.clientID === 'watcher');
    if (!watcher) throw new Error('watcher missing');
    const names = Array.from({ length: 6 }, (_, i) => `roller${i}`);
    const onDraining = await Promise.all(names.map((n) => connect(0, n)));
    await eventually(
      () => names.every((n) => watcher.heardAbout(n).length === 1),
      'everyone announced online',
    );

    const [draining, survivor] = stack.all('gateway');
    const reconnected: Promise<PresenceClient>[] = [];
    for (const c of onDraining)
      c.socket.on('disconnect', () => reconnected.push(connect(survivor.url, c.clientID)));
    await stack.terminate(draining);
    await eventually(() => reconnected.length === names.length, 'every client was disconnected by the drain');
    await Promise.all(reconnected);
    await sleep(LEASE_MS + GRACE_MS * 2 + 1_000);

    expect(watcher.online.filter((o) => !o.status)).toEqual([]);
    for (const n of names) expect(watcher.heardAbout(n)).toEqual([`${n}:true`]);
  });
});
