import { eventually, sleep } from '@channels/testing';
import { GRACE_MS, type PresenceClient, lobbyScenario } from './support/presence-client';

/**
 * Two presence replicas behind two gateways: killing one with -9 loses no transition and
 * duplicates none — subscribers hear each client come online and go offline exactly once.
 */
describe('a presence replica killed with -9 loses no transition', () => {
  const { stack, connect } = lobbyScenario('replicas', 2);

  it('announces every client online and offline exactly once while one replica is killed', async () => {
    const watcher = await connect(1, 'watcher');
    const names = Array.from({ length: 20 }, (_, i) => `member${i}`);
    const members: PresenceClient[] = [];
    for (const [i, n] of names.entries()) {
      members.push(await connect(i % 2, n));
      if (i === 10) stack.kill9(stack.all('presence')[0]);
    }
    await eventually(
      () => names.every((n) => watcher.heardAbout(n).length === 1),
      'everyone announced online',
      15_000,
    );

    for (const m of members) m.socket.close();
    await eventually(
      () => names.every((n) => watcher.heardAbout(n).length === 2),
      'everyone announced offline',
      GRACE_MS + 15_000,
    );
    await sleep(GRACE_MS);

    for (const n of names) expect(watcher.heardAbout(n)).toEqual([`${n}:true`, `${n}:false`]);
  });
});
