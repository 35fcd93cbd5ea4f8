import { Inject, Injectable } from '@nestjs/common';
import type { Channel } from '@channels/contracts';
import { ChannelRepository, MembershipRepository } from '@channels/db';
import { MESSAGING_OPTIONS, type MessagingOptions } from './messaging.options';

interface Cached<T> {
  value: T;
  until: number;
}

/**
 * Read-through, in-process cache of channel settings and memberships for the hot paths (subscribe,
 * publish, history). Entries live `directoryCacheMs` and are dropped at once when a control message
 * says the channel or membership changed. Whether a channel is closed is NOT decided here: the
 * publish script checks the Redis gate atomically.
 */
@Injectable()
export class ChannelDirectory {
  private readonly channels = new Map<string, Cached<Channel | null>>();
  private readonly members = new Map<string, Cached<boolean>>();
  private readonly ttl: number;

  constructor(
    private readonly channelRepo: ChannelRepository,
    private readonly membershipRepo: MembershipRepository,
    @Inject(MESSAGING_OPTIONS) options: MessagingOptions,
  ) {
    this.ttl = options.directoryCacheMs;
  }

  async channel(appID: string, channelID: string): Promise<Channel | null> {
    const key = `${appID}\u0000${channelID}`;
    const hit = this.channels.get(key);
    if (hit && hit.until > Date.now()) return hit.value;
    const value = await this.channelRepo.find(appID, channelID);
    this.remember(this.channels, key, value);
    return value;
  }

  async isMember(appID: string, channelID: string, clientID: string): Promise<boolean> {
    const key = `${appID}\u0000${channelID}\u0000${clientID}`;
    const hit = this.members.get(key);
    if (hit && hit.until > Date.now()) return hit.value;
    const value = await this.membershipRepo.isMember(appID, channelID, clientID);
    this.remember(this.members, key, value);
    return value;
  }

  invalidateChannel(appID: string, channelID: string): void {
    this.channels.delete(`${appID}\u0000${channelID}`);
    const prefix = `${appID}\u0000${channelID}\u0000`;
    for (const k of this.members.keys()) if (k.startsWith(prefix)) this.members.delete(k);
  }

  invalidateMember(appID: string, channelID: string, clientID: string): void {
    this.members.delete(`${appID}\u0000${channelID}\u0000${clientID}`);
  }

  invalidateApp(appID: string): void {
    const prefix = `${appID}\u0000`;
    for (const k of this.channels.keys()) if (k.startsWith(prefix)) this.channels.delete(k);
    for (const k of this.members.keys()) if (k.startsWith(prefix)) this.members.delete(k);
  }

  invalidateClient(appID: string, clientID: string): void {
    const suffix = `\u0000${clientID}`;
    for (const k of this.members.keys())
      if (k.startsWith(`${appID}\u0000`) && k.endsWith(suffix)) this.members.delete(k);
  }

  private remember<T>(map: Map<string, Cached<T>>, key: string, value: T): void {
    if (this.ttl <= 0) return;
    if (map.size > 100_000) map.clear();
    map.set(key, { value, until: Date.now() + this.ttl });
  }
}
