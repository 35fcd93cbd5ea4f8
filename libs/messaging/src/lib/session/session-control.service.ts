import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  appRoom,
  channelRoom,
  clientRoom,
  type ChannelSettingsChange,
  type ControlMessage,
  ErrorCode,
  isChannelsError,
} from '@channels/contracts';
import { isAdmin } from '@channels/auth';
import { CONTROL_BUS, type ControlBus } from '@channels/realtime';
import { ChannelAccess } from '../channel-access.service';
import { ChannelDirectory } from '../channel-directory.service';
import { TokenRevocations } from '../token-revocations.service';
import { ChannelHub } from './channel-hub';
import { KnownApps } from './known-apps.service';
import { RealtimeCore } from './realtime-core.service';
import type { Session } from './session';

/**
 * Applies admin changes to this gateway's own connections, whatever their transport. Every gateway receives every control
 * message and acts only on its local sockets, so each affected connection is told exactly once.
 *
 * Control messages are Redis pub/sub: one published while this gateway's subscription was down
 * is lost. When the subscription comes back, the gateway re-checks what such a message would
 * have changed (`reconcile`): cached settings are dropped, connections of a deleted app or client
 * are closed, and subscriptions the client may no longer hold (channel deleted, membership of a
 * private channel removed) are ended with `remove_channel`.
 */
@Injectable()
export class SessionControl implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SessionControl.name);
  private unsubscribe?: () => Promise<void>;
  /** The last re-check after a reconnect (tests wait for it). */
  reconciling: Promise<void> = Promise.resolve();

  constructor(
    @Inject(CONTROL_BUS) private readonly bus: ControlBus,
    private readonly hub: ChannelHub,
    private readonly core: RealtimeCore,
    private readonly apps: KnownApps,
    private readonly directory: ChannelDirectory,
    private readonly access: ChannelAccess,
    private readonly revocations: TokenRevocations,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.unsubscribe = await this.bus.subscribe(
      (m) => {
        this.apply(m).catch((e: unknown) => this.logger.error(`control ${m.type} failed: ${String(e)}`));
      },
      () => {
        this.logger.warn('control subscription reconnected: re-checking cached settings and subscriptions');
        this.reconciling = this.reconcile().catch((e: unknown) =>
          this.logger.error(`re-checking after a control reconnect failed: ${String(e)}`),
        );
      },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.unsubscribe?.();
  }

  async apply(m: ControlMessage): Promise<void> {
    const hub = this.hub;
    switch (m.type) {
      case 'member_added':
        this.directory.invalidateMember(m.appID, m.channelID, m.clientID);
        for (const s of this.socketsOf(clientRoom(m.appID, m.clientID)))
          s.send({ name: 'new_channel', payload: { channelID: m.channelID } });
        if (m.presence)
          hub.notifyRoom(channelRoom(m.appID, m.channelID), {
            name: 'join_channel',
            payload: { channelID: m.channelID, clientID: m.clientID },
          });
        return;
      case 'member_removed':
        this.directory.invalidateMember(m.appID, m.channelID, m.clientID);
        await this.removeFromChannel(this.socketsOf(clientRoom(m.appID, m.clientID)), m.channelID);
        if (m.presence)
          hub.notifyRoom(channelRoom(m.appID, m.channelID), {
            name: 'leave_channel',
            payload: { channelID: m.channelID, clientID: m.clientID },
          });
        return;
      case 'subscribe_client':
        await Promise.all(
          this.socketsOf(clientRoom(m.appID, m.clientID)).map((s) =>
            this.core.serverSubscribe(s, [m.channelID]).catch((e: unknown) => {
              this.logger.warn(`server-side subscribe to ${m.channelID} failed: ${String(e)}`);
            }),
          ),
        );
        return;
      case 'unsubscribe_client':
        await this.removeFromChannel(this.socketsOf(clientRoom(m.appID, m.clientID)), m.channelID);
        return;
      case 'channel_closed':
      case 'channel_opened':
        this.directory.invalidateChannel(m.appID, m.channelID);
        hub.notifyRoom(channelRoom(m.appID, m.channelID), {
          name: m.type,
          payload: { channelID: m.channelID },
        });
        return;
      case 'channel_updated':
        this.directory.invalidateChannel(m.appID, m.channelID);
        if (m.changed) await this.settingsChanged(m.appID, m.channelID, m.changed);
        return;
      case 'channel_deleted':
        this.directory.invalidateChannel(m.appID, m.channelID);
        await this.channelDeleted(m.appID, m.channelID, m.members ?? [], m.more === true);
        return;
      case 'client_deleted':
        // Its tokens are refused from now on (the deletion wrote a revocation), here at once.
        this.directory.invalidateClient(m.appID, m.clientID);
        this.revocations.invalidateClient(m.appID, m.clientID);
        for (const s of this.socketsOf(clientRoom(m.appID, m.clientID))) s.transport.close('disconnect');
        return;
      case 'disconnect_client':
        for (const s of this.socketsOf(clientRoom(m.appID, m.clientID))) s.transport.close('disconnect');
        return;
      case 'app_updated':
        this.directory.invalidateApp(m.appID);
        return;
      case 'app_deleted':
        this.directory.invalidateApp(m.appID);
        this.revocations.invalidateApp(m.appID);
        this.apps.forget(m.appID);
        for (const s of this.socketsOf(appRoom(m.appID))) s.transport.close('disconnect');
        return;
    }
  }

  /**
   * Applies a settings change to this gateway's subscribers of the channel, as if each had
   * subscribed after it: private turned on ends the subscriptions of connections whose client is
   * not a member (admins keep theirs) with `remove_channel`; presence turned on registers every
   * subscriber's presence and sends it `initial_online_status`; presence turned off removes their
   * presence entries. Persistence needs nothing here: the publish path and subscribe read the
   * re-loaded settings.
   */
  private async settingsChanged(
    appID: string,
    channelID: string,
    changed: ChannelSettingsChange,
  ): Promise<void> {
    let sockets = this.socketsOf(channelRoom(appID, channelID)).filter((s) => s.channels.has(channelID));
    if (changed.private === true) {
      const kept: Session[] = [];
      for (const s of sockets) {
        if (isAdmin(s.principal) || (await this.mayKeep(s, channelID))) kept.push(s);
        else await this.removeFromChannel([s], channelID);
      }
      sockets = kept;
    }
    if (changed.presence === undefined) return;
    let failed = 0;
    for (const s of sockets) {
      if (!s.connected || !s.channels.has(channelID)) continue;
      try {
        if (changed.presence) await this.core.startPresence(s, channelID);
        else await this.core.stopPresence(s, channelID);
      } catch {
        failed++;
      }
    }
    if (failed)
      this.logger.warn(
        `presence of ${failed} subscriber(s) of ${channelID} not ${changed.presence ? 'registered' : 'removed'}`,
      );
  }

  /**
   * A deleted channel: every device of its members and every subscriber hears `remove_channel`
   * once. A chunk with `more` concerns only members' connections that are not subscribed (the
   * subscribed ones are told with the last chunk, with every other subscriber).
   */
  private async channelDeleted(
    appID: string,
    channelID: string,
    members: string[],
    more: boolean,
  ): Promise<void> {
    const targets = new Set<Session>();
    for (const clientID of members)
      for (const s of this.socketsOf(clientRoom(appID, clientID)))
        if (!more || !s.channels.has(channelID)) targets.add(s);
    if (!more) for (const s of this.socketsOf(channelRoom(appID, channelID))) targets.add(s);
    await this.removeFromChannel([...targets], channelID);
  }

  /** Applies now what control messages lost while the subscription was down would have changed. */
  async reconcile(): Promise<void> {
    this.directory.invalidateAll();
    this.revocations.invalidateAll();
    const byApp = new Map<string, Session[]>();
    for (const s of this.hub.all()) {
      const list = byApp.get(s.appID);
      if (list) list.push(s);
      else byApp.set(s.appID, [s]);
    }
    let closed = 0;
    let removed = 0;
    for (const [appID, list] of byApp) {
      // An unreachable database proves nothing: the connections stay.
      if (!(await this.apps.stillExists(appID).catch(() => true))) {
        for (const s of list) s.transport.close('disconnect');
        closed += list.length;
        continue;
      }
      for (const s of list) {
        if (await this.revoked(s)) {
          s.transport.close('disconnect');
          closed++;
          continue;
        }
        for (const channelID of [...s.channels]) {
          if (!s.connected || (await this.mayKeep(s, channelID))) continue;
          await this.removeFromChannel([s], channelID);
          removed++;
        }
      }
    }
    if (closed || removed)
      this.logger.warn(
        `after the control reconnect: ${closed} connection(s) of deleted apps or clients closed, ${removed} subscription(s) no longer allowed ended`,
      );
  }

  /** Whether the connection's token was revoked (its client deleted); an unreachable database says no. */
  private async revoked(socket: Session): Promise<boolean> {
    const d = socket;
    try {
      await this.revocations.check({
        principal: d.principal,
        ...(d.issuedAt !== undefined ? { issuedAt: d.issuedAt } : {}),
      });
      return false;
    } catch (e) {
      return isChannelsError(e) && e.code === ErrorCode.Unauthorized;
    }
  }

  /** False only when the access check says no (an unreachable database keeps the subscription). */
  private async mayKeep(socket: Session, channelID: string): Promise<boolean> {
    try {
      await this.access.require(socket.principal, socket.appID, channelID);
      return true;
    } catch (e) {
      return !(isChannelsError(e) && (e.code === ErrorCode.NotFound || e.code === ErrorCode.Forbidden));
    }
  }

  /** Server-side unsubscribe, announced with `remove_channel` to every affected device. */
  private async removeFromChannel(sockets: Session[], channelID: string): Promise<void> {
    for (const s of sockets) {
      s.send({ name: 'remove_channel', payload: { channelID } });
      await this.core.leave(s, channelID);
    }
  }

  private socketsOf(room: string): Session[] {
    if (room.startsWith('ch:')) return this.hub.sessionsOfChannelRoom(room);
    if (room.startsWith('app:')) return this.hub.sessionsOfApp(room);
    return this.hub.sessionsOfClient(room);
  }
}
