import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Channel, HooksConfig, Namespace } from '@channels/contracts';
import { AppRepository, ChannelRepository, MembershipRepository, NamespaceRepository } from '@channels/db';

/** What calling an app's backend needs (hooks). */
export interface AppHooks {
  hooks: HooksConfig | null;
  apiSecret: string;
}
import { MESSAGING_OPTIONS, type MessagingOptions } from './messaging.options';

/** How long a channel that does not exist is trusted to still not exist. */
const ABSENT_FRESH_MS = 5_000;

interface Cached<T> {
  value: T;
  freshUntil: number;
}

/**
 * Read-through, in-process cache of channel settings and memberships for the hot paths (subscribe,
 * publish, history). An entry is fresh for 75–100 % of `directoryCacheMs` (spread, so entries
 * loaded together are not all re-read in the same moment); after that it is still served while
 * one background read refreshes it (stale-while-revalidate), so the publish path never waits on
 * Postgres for a channel it has seen, and concurrent misses for one key share one query. Control
 * messages drop entries at once when a channel or membership changes; the refresh only bounds how
 * long a lost control message can leave an entry stale. A channel found missing is re-read within
 * 5 s at most, because creating a channel is not announced. Whether a channel is closed is NOT
 * decided here: the publish script checks the Redis gate atomically.
 */
@Injectable()
export class ChannelDirectory {
  private readonly channels = new Map<string, Cached<Channel | null>>();
  private readonly members = new Map<string, Cached<boolean>>();
  private readonly namespaces = new Map<string, Cached<Namespace | null>>();
  private readonly apps = new Map<string, Cached<AppHooks | null>>();
  private readonly loading = new Map<string, Promise<unknown>>();
  /** Bumped by every invalidation: a load that overlapped one does not cache its (maybe stale) result. */
  private generation = 0;
  private readonly ttl: number;

  constructor(
    private readonly channelRepo: ChannelRepository,
    private readonly membershipRepo: MembershipRepository,
    private readonly namespaceRepo: NamespaceRepository,
    @Inject(MESSAGING_OPTIONS) options: MessagingOptions,
    @Optional() private readonly appRepo?: AppRepository,
  ) {
    this.ttl = options.directoryCacheMs;
  }

  channel(appID: string, channelID: string): Promise<Channel | null> {
    return this.read(this.channels, `c\u0000${appID}\u0000${channelID}`, () =>
      this.channelRepo.find(appID, channelID),
    );
  }

  isMember(appID: string, channelID: string, clientID: string): Promise<boolean> {
    return this.read(this.members, `m\u0000${appID}\u0000${channelID}\u0000${clientID}`, () =>
      this.membershipRepo.isMember(appID, channelID, clientID),
    );
  }

  /** Namespace `name` of the app (changes to namespaces are announced as `app_updated`). */
  namespace(appID: string, name: string): Promise<Namespace | null> {
    return this.read(this.namespaces, `n\u0000${appID}\u0000${name}`, () =>
      this.namespaceRepo.find(appID, name),
    );
  }

  /** The app's hooks and API secret (changes are announced as `app_updated`); null: no such app. */
  appHooks(appID: string): Promise<AppHooks | null> {
    const repo = this.appRepo;
    if (!repo) return Promise.resolve(null);
    return this.read(this.apps, appID, () => repo.hooks(appID));
  }

  invalidateChannel(appID: string, channelID: string): void {
    this.generation++;
    this.channels.delete(`c\u0000${appID}\u0000${channelID}`);
    this.dropPrefix(this.members, `m\u0000${appID}\u0000${channelID}\u0000`);
  }

  invalidateMember(appID: string, channelID: string, clientID: string): void {
    this.generation++;
    this.members.delete(`m\u0000${appID}\u0000${channelID}\u0000${clientID}`);
  }

  invalidateApp(appID: string): void {
    this.generation++;
    this.dropPrefix(this.channels, `c\u0000${appID}\u0000`);
    this.dropPrefix(this.members, `m\u0000${appID}\u0000`);
    this.dropPrefix(this.namespaces, `n\u0000${appID}\u0000`);
    this.apps.delete(appID);
  }

  /** Everything is re-read on next use (the control messages that would have said what changed may be lost). */
  invalidateAll(): void {
    this.generation++;
    this.channels.clear();
    this.members.clear();
    this.namespaces.clear();
    this.apps.clear();
  }

  invalidateClient(appID: string, clientID: string): void {
    this.generation++;
    const prefix = `m\u0000${appID}\u0000`;
    const suffix = `\u0000${clientID}`;
    for (const k of this.members.keys())
      if (k.startsWith(prefix) && k.endsWith(suffix)) this.members.delete(k);
  }

  private async read<T>(map: Map<string, Cached<T>>, key: string, load: () => Promise<T>): Promise<T> {
    const hit = map.get(key);
    if (hit) {
      if (hit.freshUntil <= Date.now()) void this.load(map, key, load).catch(() => undefined);
      return hit.value;
    }
    return this.load(map, key, load);
  }

  /** One load per key at a time; the result is cached unless the key was invalidated meanwhile. */
  private load<T>(map: Map<string, Cached<T>>, key: string, load: () => Promise<T>): Promise<T> {
    const pending = this.loading.get(key) as Promise<T> | undefined;
    if (pending) return pending;
    const generation = this.generation;
    const p = load()
      .then((value) => {
        if (this.ttl > 0 && generation === this.generation) {
          if (map.size > 100_000) map.clear();
          // Creating a channel sends no control message, so "no such channel" is re-read within
          // ABSENT_FRESH_MS whatever the TTL.
          const ttl = value === null ? Math.min(this.ttl, ABSENT_FRESH_MS) : this.ttl;
          map.set(key, { value, freshUntil: Date.now() + ttl - Math.random() * ttl * 0.25 });
        }
        return value;
      })
      .finally(() => this.loading.delete(key));
    this.loading.set(key, p);
    return p;
  }

  private dropPrefix(map: Map<string, unknown>, prefix: string): void {
    for (const k of map.keys()) if (k.startsWith(prefix)) map.delete(k);
  }
}
