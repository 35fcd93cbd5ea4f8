import type { App, Channel, Client } from '@channels/contracts';

/**
 * Shapes of the original product's routes (field names and casing exactly as its documentation
 * shows them). Timestamps on these routes are unix SECONDS; the rest of Channels uses milliseconds.
 */
export interface OriginalApp {
  AppID: string;
  Name: string;
}
export interface OriginalClient {
  ID: string;
  Username: string;
  AppID: string;
  Extra: string;
}
export interface OriginalChannel {
  id: string;
  appID: string;
  name: string;
  createdAt: number;
  isClosed: boolean;
  extra: string;
  isPersistent: boolean;
  isPrivate: boolean;
  isPresence: boolean;
}

export const toSeconds = (ms: number): number => Math.floor(ms / 1000);
/** First millisecond of a unix second (inclusive lower bound). */
export const secondStartMs = (s: number): number => s * 1000;
/** Last millisecond of a unix second (inclusive upper bound). */
export const secondEndMs = (s: number): number => s * 1000 + 999;

export const toOriginalApp = (a: App): OriginalApp => ({ AppID: a.appID, Name: a.name });

export const toOriginalClient = (c: Client): OriginalClient => ({
  ID: c.clientID,
  Username: c.username,
  AppID: c.appID,
  Extra: c.extra,
});

export const toOriginalChannel = (c: Channel): OriginalChannel => ({
  id: c.channelID,
  appID: c.appID,
  name: c.name,
  createdAt: toSeconds(c.createdAt),
  isClosed: c.isClosed,
  extra: c.extra,
  isPersistent: c.persistent,
  isPrivate: c.private,
  isPresence: c.presence,
});
