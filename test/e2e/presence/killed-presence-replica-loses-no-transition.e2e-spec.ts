import { eventually, Fixtures, sleep, Stack } from '@channels/testing';
import { GRACE_MS, PRESENCE_TEST_ENV, type PresenceClient, presenceClient } from './support/presence-client';

/**
 * Two presence replicas behind two gateways: killing one with -9 loses no transition and
 * duplicates none — subscribers hear each client come online and go offline exactly once.
 */
describe('a presence replica killed with -9 loses no transition', () => {
  const stack = new Stack({ gateways: 2, writers: 0, adminApi: false, presences: 2, env: PRESENCE_TEST_ENV });
  const APP = 'replicas';
  let fx: Fixtures;
  const clients: PresenceClient[] = [];
  const connect = async (gw: number, clientID: string) => {
    const c = await presenceClient(stack, gw, APP, clientID);
    clients.push(c);
    await c.subscribe(['lobby']);
    return c;
  };

  beforeAll(async () => {
    await stack.start();
    fx = await Fixtures.connect(stack.databaseUrl);
    await fx.app(APP);
    await fx.channel(APP, 'lobby', { presence: true });
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) c.socket.close();
    await fx?.close();
    await stack.stop();
  });

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
