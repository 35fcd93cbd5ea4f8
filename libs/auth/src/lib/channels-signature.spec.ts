import { createHmac } from 'node:crypto';
import { signChannelsRequest, verifyChannelsSignature } from './channels-signature';

describe('X-Channels-Signature', () => {
  const body = '{"id":"a","type":"member_added"}';

  it('is sha256= and the hex HMAC-SHA256 of the raw body with the API secret', () => {
    const hex = createHmac('sha256', 'sekret').update(body).digest('hex');
    expect(signChannelsRequest('sekret', body)).toBe(`sha256=${hex}`);
    expect(signChannelsRequest('sekret', Buffer.from(body))).toBe(`sha256=${hex}`);
  });

  it('verifies its own signatures and refuses other secrets, other bodies and malformed headers', () => {
    const sig = signChannelsRequest('sekret', body);
    expect(verifyChannelsSignature('sekret', body, sig)).toBe(true);
    expect(verifyChannelsSignature('other', body, sig)).toBe(false);
    expect(verifyChannelsSignature('sekret', `${body} `, sig)).toBe(false);
    expect(verifyChannelsSignature('sekret', body, sig.slice('sha256='.length))).toBe(false);
    expect(verifyChannelsSignature('sekret', body, sig.toUpperCase())).toBe(false);
    expect(verifyChannelsSignature('sekret', body, undefined)).toBe(false);
  });
});
