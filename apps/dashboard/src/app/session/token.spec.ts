import { tokenWith } from '../../test/render';
import { readToken } from './token';

describe('readToken', () => {
  it('reads a super admin (both spellings) and an admin with its app', () => {
    for (const Role of ['Super_Admin', 'SuperAdmin']) {
      expect(readToken(tokenWith({ Role, ClientID: 'root' }))).toEqual({
        ok: true,
        identity: { role: 'super_admin', appID: undefined, clientID: 'root', expiresAt: undefined },
      });
    }
    expect(
      readToken(` ${tokenWith({ Role: 'Admin', ClientID: 'ops', AppID: 'demo', exp: 2_000_000_000 })}\n`),
    ).toEqual({
      ok: true,
      identity: { role: 'admin', appID: 'demo', clientID: 'ops', expiresAt: 2_000_000_000_000 },
    });
  });

  it('says why a token cannot sign in', () => {
    const reason = (t: string, now?: number) => {
      const r = readToken(t, now);
      return r.ok ? 'ok' : r.reason;
    };
    expect(reason('not a token')).toMatch(/not a JWT/);
    expect(reason('a.%%%.c')).toMatch(/cannot be read/);
    expect(reason(tokenWith({ Role: 'Client', ClientID: 'alice', AppID: 'demo' }))).toMatch(/client token/);
    expect(reason(tokenWith({ Role: 'Admin', ClientID: 'ops' }))).toMatch(/names no app/);
    expect(reason(tokenWith({ ClientID: 'x' }))).toMatch(/no Role claim/);
    expect(reason(tokenWith({ Role: 'Admin', AppID: 'demo', exp: 100 }), 200_000)).toMatch(/expired/);
  });
});
