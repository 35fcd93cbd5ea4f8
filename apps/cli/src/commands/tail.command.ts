import { Command } from 'commander';
import type { ChannelEvent } from '../api-types';
import type { CommandContext } from '../context';
import { CliError, ExitCode, unreachable } from '../errors';
import { eventLine } from '../output';
import type { Register } from './register';

interface ErrorBody {
  code: string;
  message: string;
}
interface SubscribeAck {
  ok: boolean;
  error?: ErrorBody;
  results?: Record<
    string,
    {
      ok: boolean;
      error?: ErrorBody;
      offset?: number;
      epoch?: string;
      recovered?: boolean;
      events?: ChannelEvent[];
    }
  >;
}

const SUBSCRIBE_TIMEOUT_MS = 10_000;

/**
 * Follows one channel live through the gateways (socket.io, protocol §3) and prints each event.
 * After a lost connection it reconnects and resubscribes with `recover` from the last offset it
 * printed, so on a persistent channel every event is printed once, in offset order, across
 * reconnects and gateway restarts. Resolves on Ctrl-C; rejects when the gateway refuses the token,
 * the channel cannot be subscribed or is removed, or the first connection cannot be made.
 */
export function tail(ctx: CommandContext, channelID: string): Promise<void> {
  const url = ctx.gatewayUrl;
  const appID = ctx.app;
  const out = ctx.out;
  const socket = ctx.io.connect(url, {
    auth: { token: ctx.token, appID },
    transports: ['websocket'],
    reconnection: true,
    reconnectionDelay: 500,
    reconnectionDelayMax: 5_000,
    timeout: 10_000,
    forceNew: true,
  });
  let position: { offset: number; epoch: string } | undefined;
  let subscribedOnce = false;
  let connectedOnce = false;
  let outage = false;

  return new Promise<void>((resolve, reject) => {
    let done = false;
    const finish = (err?: CliError) => {
      if (done) return;
      done = true;
      stopListening();
      socket.close();
      if (err) reject(err);
      else resolve();
    };
    const stopListening = ctx.io.onInterrupt(() => finish());

    const print = (e: ChannelEvent) => {
      if (e.channelID !== channelID) return;
      if (e.offset !== undefined && position !== undefined) {
        if (e.offset <= position.offset) return; // already printed (recovered and live overlap)
        position = { offset: e.offset, epoch: e.epoch ?? position.epoch };
      }
      out.line(e, eventLine(e));
    };

    const subscribe = () => {
      const from = position;
      socket
        .timeout(SUBSCRIBE_TIMEOUT_MS)
        .emit(
          'subscribe',
          { channels: [channelID], ...(from ? { recover: { [channelID]: from } } : {}) },
          (timeout: Error | null, ack: SubscribeAck) => {
            if (done) return;
            if (timeout) {
              out.notice(`no answer to subscribe within ${SUBSCRIBE_TIMEOUT_MS} ms; reconnecting`);
              socket.disconnect().connect();
              return;
            }
            const r = ack.ok ? ack.results?.[channelID] : undefined;
            const error = ack.ok ? r?.error : ack.error;
            if (!r?.ok) {
              finish(
                new CliError(
                  ExitCode.Failed,
                  error?.code ?? 'bad_response',
                  `cannot tail ${channelID}: ${error?.message ?? 'the gateway answered no result'}`,
                ),
              );
              return;
            }
            for (const e of r.events ?? []) print(e);
            if (r.offset !== undefined && r.epoch !== undefined) {
              if (position === undefined || r.offset > position.offset || r.epoch !== position.epoch) {
                position = { offset: r.offset, epoch: r.epoch };
              }
            }
            if (!subscribedOnce) {
              subscribedOnce = true;
              out.notice(
                `tailing ${channelID} of app ${appID} at ${url}` +
                  (r.offset !== undefined ? ` from offset ${r.offset}` : ' (not persistent: no offsets)') +
                  '; Ctrl-C to stop',
              );
            } else if (from !== undefined && r.recovered === false) {
              out.notice(
                `events after offset ${from.offset} could not be recovered (history changed or beyond retention); ` +
                  `resuming at offset ${r.offset ?? '?'} — read the gap with: channels history ${channelID} --since-offset ${from.offset}`,
              );
            } else if (from !== undefined) {
              out.notice(`resubscribed to ${channelID}; ${r.events?.length ?? 0} missed event(s) recovered`);
            } else {
              out.notice(
                `resubscribed to ${channelID}; it is not persistent, so events published while disconnected are lost`,
              );
            }
          },
        );
    };

    socket.on('ready', () => {
      connectedOnce = true;
      outage = false;
      subscribe();
    });
    socket.on('event', print);
    socket.on('remove_channel', (p: { channelID?: string }) => {
      if (p?.channelID === channelID) {
        finish(
          new CliError(
            ExitCode.Failed,
            'channel_removed',
            `channel ${channelID} was removed (deleted, or this client is no longer a member)`,
          ),
        );
      }
    });
    socket.on('channel_closed', (p: { channelID?: string }) => {
      if (p?.channelID === channelID)
        out.notice(`channel ${channelID} was closed (no publishing until reopened)`);
    });
    socket.on('channel_opened', (p: { channelID?: string }) => {
      if (p?.channelID === channelID) out.notice(`channel ${channelID} was reopened`);
    });
    socket.on('disconnect', (reason: string) => {
      if (done) return;
      outage = true;
      out.notice(`connection lost (${reason}); reconnecting`);
      // A server-side disconnect is not retried by socket.io by itself.
      if (reason === 'io server disconnect') socket.connect();
    });
    socket.on('connect_error', (err: Error & { data?: { message?: string } }) => {
      if (done) return;
      if (err.data !== undefined || !socket.active) {
        finish(
          new CliError(
            ExitCode.Failed,
            'unauthorized',
            `the gateway at ${url} refused the connection: ${err.data?.message ?? err.message}`,
          ),
        );
      } else if (!connectedOnce) {
        finish(unreachable(`cannot reach the gateway at ${url}: ${err.message}`));
      } else if (!outage) {
        outage = true;
        out.notice(`gateway unreachable (${err.message}); retrying`);
      }
    });
  });
}

/** `tail <channel>`: live events of a channel of the app (`--app`), through the gateways. */
export const tailCommand: Register = (action) =>
  new Command('tail')
    .description(
      'follow a channel of the app (--app) live through the gateways (--gateway-url); recovers what a lost connection missed; Ctrl-C to stop',
    )
    .argument('<channelID>')
    .action(action<[string]>((ctx, channelID) => tail(ctx, channelID)));
