import { Injectable, Logger } from '@nestjs/common';
import { type Ack, ChannelsError, ErrorCode, isChannelsError } from '@channels/contracts';
import { RealtimeCore, type Session, TokenExpiry } from '@channels/messaging';
import type { ChannelsSocket } from './socket-types';

type AnyAck = (response: Ack<object>) => void;
const CALLS = new Set(['subscribe', 'unsubscribe', 'publish', 'history', 'presence', 'channels', 'refresh']);

/**
 * The socket.io calls: each is handed to one method of the realtime core and answered through its
 * acknowledgement (`{ok:true,…}` or `{ok:false,error}`). A malformed call is answered
 * `bad_request` and the connection lives on; nothing a client sends can throw out of here.
 */
@Injectable()
export class ClientCallsHandler {
  private readonly logger = new Logger(ClientCallsHandler.name);

  constructor(
    private readonly core: RealtimeCore,
    private readonly expiry: TokenExpiry,
  ) {}

  bind(socket: ChannelsSocket, session: Session): void {
    const on = (event: string, fn: (payload: unknown, ack: AnyAck | undefined) => Promise<void>) =>
      (socket.on as (ev: string, l: (...args: unknown[]) => void) => void)(event, (...args: unknown[]) => {
        const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as AnyAck) : undefined;
        fn(args[0], ack).catch((e: unknown) => this.fail(ack, e));
      });
    const reply = (ack: AnyAck | undefined, body: object) => ack?.({ ok: true, ...body });

    on('subscribe', async (payload, ack) => {
      const { ack: body, afterAck } = await this.core.subscribe(session, payload);
      reply(ack, body);
      afterAck();
    });
    on('unsubscribe', async (payload, ack) => {
      await this.core.unsubscribe(session, payload);
      reply(ack, {});
    });
    on('publish', async (payload, ack) => {
      reply(ack, await this.core.publish(session, payload, { acked: ack !== undefined }));
    });
    on('history', async (payload, ack) => reply(ack, await this.core.historyOf(session, payload)));
    on('presence', async (payload, ack) => reply(ack, await this.core.presenceOf(session, payload)));
    on('channels', async (payload, ack) => reply(ack, await this.core.channelsOf(session, payload)));
    on('refresh', async (payload, ack) => reply(ack, await this.expiry.refresh(session, payload)));
    socket.onAny((event: string, ...args: unknown[]) => {
      if (CALLS.has(event)) return;
      const ack = typeof args[args.length - 1] === 'function' ? (args[args.length - 1] as AnyAck) : undefined;
      this.fail(
        ack,
        new ChannelsError(
          ErrorCode.BadRequest,
          `unknown event ${JSON.stringify(String(event).slice(0, 50))}`,
        ),
      );
    });
  }

  private fail(ack: AnyAck | undefined, e: unknown): void {
    if (!isChannelsError(e))
      this.logger.error(`client call failed: ${e instanceof Error ? e.stack : String(e)}`);
    ack?.({ ok: false, error: this.core.refused(e) });
  }
}
