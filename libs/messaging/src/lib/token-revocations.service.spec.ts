import type { VerifiedToken } from '@channels/auth';
import { Role } from '@channels/contracts';
import type { AppRevocations, TokenRevocationRepository } from '@channels/db';
import { TokenRevocations } from './token-revocations.service';

const T = 1_800_000_000_000;

/** A repository whose answers the test sets, counting reads. */
const fakeRepo = () => {
  const state = {
    app: null as number | null,
    clients: new Map<string, number>() as Map<string, number> | null,
    perClient: new Map<string, number>(),
    appReads: 0,
    clientReads: 0,
  };
  const repo = {
    ofApp: async (): Promise<AppRevocations> => {
      state.appReads++;
      return { app: state.app, clients: state.clients ? new Map(state.clients) : null };
    },
    revokedAt: async (_appID: string, clientID: string) => {
      state.clientReads++;
      return state.perClient.get(clientID) ?? null;
    },
  } as unknown as TokenRevocationRepository;
  return { state, revocations: new TokenRevocations(repo) };
};

const token = (role: Role, clientID: string, issuedAt?: number): VerifiedToken => ({
  principal: { role, clientID, ...(role === Role.SuperAdmin ? {} : { appID: 'app' }) },
  ...(issuedAt !== undefined ? { issuedAt } : {}),
});

describe('TokenRevocations', () => {
  it('refuses client tokens issued at or before their client was deleted, and only those', async () => {
    const { state, revocations } = fakeRepo();
    state.clients?.set('alice', T + 500);
    await expect(revocations.check(token(Role.Client, 'alice', T / 1000 - 1))).rejects.toMatchObject({
      code: 'unauthorized',
    });
    // Same second as the deletion: refused too (iat has second precision).
    await expect(revocations.check(token(Role.Client, 'alice', T / 1000))).rejects.toMatchObject({
      code: 'unauthorized',
    });
    await expect(revocations.check(token(Role.Client, 'alice'))).rejects.toMatchObject({
      code: 'unauthorized',
    });
    await revocations.check(token(Role.Client, 'alice', T / 1000 + 1));
    await revocations.check(token(Role.Client, 'bob', T / 1000 - 1));
    // An admin token of the same client id is not a client token: only the app's deletion revokes it.
    await revocations.check(token(Role.Admin, 'alice', T / 1000 - 1));
    await revocations.check(token(Role.SuperAdmin, 'alice'));
    expect(state.appReads).toBe(1);
  });

  it('refuses every app token issued before the app was deleted', async () => {
    const { state, revocations } = fakeRepo();
    state.app = T;
    for (const role of [Role.Client, Role.Admin])
      await expect(revocations.check(token(role, 'x', T / 1000 - 5))).rejects.toMatchObject({
        code: 'unauthorized',
      });
    await revocations.check(token(Role.Admin, 'x', T / 1000 + 1));
  });

  it('reads again after an invalidation, and shares one read between concurrent checks', async () => {
    const { state, revocations } = fakeRepo();
    await Promise.all([1, 2, 3].map((i) => revocations.check(token(Role.Client, `c${i}`, 1))));
    expect(state.appReads).toBe(1);
    state.clients?.set('c1', T);
    await revocations.check(token(Role.Client, 'c1', 1));
    revocations.invalidateClient('app', 'c1');
    await expect(revocations.check(token(Role.Client, 'c1', 1))).rejects.toMatchObject({
      code: 'unauthorized',
    });
    state.app = T;
    revocations.invalidateApp('app');
    await expect(revocations.check(token(Role.Admin, 'a', 1))).rejects.toMatchObject({
      code: 'unauthorized',
    });
    expect(state.appReads).toBe(3);
  });

  it('looks clients up one by one in an app with too many revocations to hold', async () => {
    const { state, revocations } = fakeRepo();
    state.clients = null;
    state.perClient.set('alice', T);
    await expect(revocations.check(token(Role.Client, 'alice', 1))).rejects.toMatchObject({
      code: 'unauthorized',
    });
    await revocations.check(token(Role.Client, 'bob', 1));
    await revocations.check(token(Role.Client, 'bob', 1));
    expect(state.clientReads).toBe(2);
  });
});
