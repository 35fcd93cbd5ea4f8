import type { Channel } from '@channels/contracts';
import type { ChannelRepository, MembershipRepository, NamespaceRepository } from '@channels/db';
import { ChannelDirectory } from './channel-directory.service';
import type { MessagingOptions } from './messaging.options';

const options = { directoryCacheMs: 50 } as MessagingOptions;
const chan = (name: string) => ({ appID: 'a', channelID: 'c', name }) as Channel;

function setup() {
  let name = 'v1';
  let finds = 0;
  let release: (() => void) | undefined;
  let slow = false;
  const channels = {
    find: async () => {
      finds++;
      if (slow) await new Promise<void>((r) => (release = r));
      return chan(name);
    },
  } as unknown as ChannelRepository;
  let member = true;
  const memberships = { isMember: async () => member } as unknown as MembershipRepository;
  const namespaces = { find: async () => null } as unknown as NamespaceRepository;
  const dir = new ChannelDirectory(channels, memberships, namespaces, options);
  return {
    dir,
    rename: (n: string) => (name = n),
    setMember: (m: boolean) => (member = m),
    finds: () => finds,
    slow: (on: boolean) => (slow = on),
    release: () => release?.(),
  };
}

describe('ChannelDirectory', () => {
  it('shares one query between concurrent misses', async () => {
    const t = setup();
    const all = await Promise.all([
      t.dir.channel('a', 'c'),
      t.dir.channel('a', 'c'),
      t.dir.channel('a', 'c'),
    ]);
    expect(all.map((c) => c?.name)).toEqual(['v1', 'v1', 'v1']);
    expect(t.finds()).toBe(1);
  });

  it('serves a stale entry at once and refreshes it in the background', async () => {
    const t = setup();
    await t.dir.channel('a', 'c');
    t.rename('v2');
    await new Promise((r) => setTimeout(r, 60));
    t.slow(true);
    const stale = await t.dir.channel('a', 'c'); // does not wait for the slow refresh
    expect(stale?.name).toBe('v1');
    t.release();
    await new Promise((r) => setTimeout(r, 5));
    expect((await t.dir.channel('a', 'c'))?.name).toBe('v2');
  });

  it('forgets a membership at once when told it changed', async () => {
    const t = setup();
    expect(await t.dir.isMember('a', 'c', 'u')).toBe(true);
    t.setMember(false);
    expect(await t.dir.isMember('a', 'c', 'u')).toBe(true); // cached
    t.dir.invalidateMember('a', 'c', 'u');
    expect(await t.dir.isMember('a', 'c', 'u')).toBe(false);
  });

  it('forgets everything when told messages may have been lost', async () => {
    const t = setup();
    expect((await t.dir.channel('a', 'c'))?.name).toBe('v1');
    expect(await t.dir.isMember('a', 'c', 'u')).toBe(true);
    t.rename('v2');
    t.setMember(false);
    expect((await t.dir.channel('a', 'c'))?.name).toBe('v1'); // cached
    t.dir.invalidateAll();
    expect((await t.dir.channel('a', 'c'))?.name).toBe('v2');
    expect(await t.dir.isMember('a', 'c', 'u')).toBe(false);
  });

  it('does not cache a load that overlapped an invalidation', async () => {
    const t = setup();
    t.slow(true);
    const pending = t.dir.channel('a', 'c');
    await new Promise((r) => setTimeout(r, 1));
    t.dir.invalidateChannel('a', 'c');
    t.release();
    await pending;
    t.slow(false);
    t.rename('v3');
    expect((await t.dir.channel('a', 'c'))?.name).toBe('v3');
  });

  /** A directory with the gateway's 60 s refresh over a channel lookup the test controls. */
  const longLivedDirectory = (find: () => Promise<Channel | null>) =>
    new ChannelDirectory(
      { find } as unknown as ChannelRepository,
      {} as MembershipRepository,
      {} as NamespaceRepository,
      {
        directoryCacheMs: 60_000,
      } as MessagingOptions,
    );

  it('re-reads a missing channel within 5 s even with a long TTL (creation is not announced)', async () => {
    let exists = false;
    let finds = 0;
    const dir = longLivedDirectory(async () => {
      finds++;
      return exists ? chan('new') : null;
    });
    const start = Date.now();
    const now = jest.spyOn(Date, 'now');
    try {
      now.mockReturnValue(start);
      expect(await dir.channel('a', 'missing')).toBeNull();
      exists = true;
      now.mockReturnValue(start + 3_000); // fresh for 3.75-5 s (spread)
      expect(await dir.channel('a', 'missing')).toBeNull();
      expect(finds).toBe(1);
      now.mockReturnValue(start + 5_001);
      await dir.channel('a', 'missing'); // stale: served once, refreshed in the background
      await new Promise((r) => setImmediate(r));
      expect((await dir.channel('a', 'missing'))?.name).toBe('new');
    } finally {
      now.mockRestore();
    }
  });

  it('keeps an existing channel for the TTL (changes arrive as control messages)', async () => {
    let finds = 0;
    const dir = longLivedDirectory(async () => {
      finds++;
      return chan('v1');
    });
    const start = Date.now();
    const now = jest.spyOn(Date, 'now');
    try {
      now.mockReturnValue(start);
      await dir.channel('a', 'c');
      now.mockReturnValue(start + 44_000); // fresh for 45-60 s (spread)
      await dir.channel('a', 'c');
      expect(finds).toBe(1);
      now.mockReturnValue(start + 60_001);
      await dir.channel('a', 'c');
      expect(finds).toBe(2);
    } finally {
      now.mockRestore();
    }
  });
});
