/**
 * `@channels/client`: the client SDK for Channels.
 *
 * @packageDocumentation
 */
export { ChannelsClient } from './lib/channels-client';
export { ChannelSubscription } from './lib/channel-subscription';
export { ChannelsError, type ChannelsErrorCode, type ClientErrorCode } from './lib/channels-error';
export { backoffDelay, type BackoffOptions } from './lib/backoff';
export type { ListenerErrorHandler } from './lib/emitter';
export type { GetToken } from './lib/token-source';
export type {
  RequestName,
  ServerEventName,
  Transport,
  TransportAuth,
  TransportFactory,
  TransportHandlers,
  TransportOptions,
} from './lib/transport';
export type * from './lib/types';
