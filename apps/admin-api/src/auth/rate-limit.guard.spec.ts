import { Role } from '@channels/contracts';
import { batchCost, requestCost } from './rate-limit.guard';
import { tokenKey } from './request-rate-limiter';

describe('request cost', () => {
  it('counts one request, for the app in the path or else in the AppID header', () => {
    expect(requestCost({ params: { appID: 'a1' }, headers: { appid: 'other' } })).toEqual({
      points: 1,
      perApp: new Map([['a1', 1]]),
    });
    expect(requestCost({ params: {}, headers: { appid: 'a2' } })).toEqual({
      points: 1,
      perApp: new Map([['a2', 1]]),
    });
    expect(requestCost({ params: {}, headers: {} })).toEqual({ points: 1, perApp: new Map() });
  });

  it('counts a batch per command, and per app by each command’s appID', () => {
    const cost = batchCost({
      commands: [
        { method: 'publish', params: { appID: 'a1' } },
        { method: 'publish', params: { appID: 'a1' } },
        { method: 'createChannel', params: { appID: 'a2' } },
        { method: 'listApps' },
      ],
    });
    expect(cost).toEqual({
      points: 4,
      perApp: new Map([
        ['a1', 2],
        ['a2', 1],
      ]),
    });
  });

  it('counts a malformed batch as one request (the route then answers 400)', () => {
    for (const body of [undefined, null, 'x', { commands: 'x' }, { commands: [] }]) {
      expect(batchCost(body)).toEqual({ points: 1, perApp: new Map() });
    }
  });
});

describe('tokenKey', () => {
  it('is one key per identity, apart for different roles, apps and clients', () => {
    const admin = { role: Role.Admin, appID: 'a', clientID: 'c' };
    expect(tokenKey(admin)).toBe(tokenKey({ ...admin }));
    const others = [
      { ...admin, role: Role.Client },
      { ...admin, appID: 'b' },
      { ...admin, clientID: 'd' },
      { role: Role.SuperAdmin, clientID: 'c' },
    ];
    for (const o of others) expect(tokenKey(o)).not.toBe(tokenKey(admin));
    expect(tokenKey(admin)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
