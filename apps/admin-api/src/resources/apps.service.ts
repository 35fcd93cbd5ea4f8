import { Injectable } from '@nestjs/common';
import { assertAdminOf, assertSuperAdmin } from '@channels/auth';
import {
  type AckMode,
  type App,
  type AppWithApiSecret,
  type HooksConfig,
  type Principal,
  Role,
} from '@channels/contracts';
import { AppRepository, ChannelRepository, type Page } from '@channels/db';
import { forbidden, notFound } from './errors';
import { type LiveEffect, LiveEffects } from './live-effects.service';

/** Apps (tenants). Creating, listing every app and deleting are super-admin only. */
@Injectable()
export class AppsService {
  constructor(
    private readonly apps: AppRepository,
    private readonly channels: ChannelRepository,
    private readonly effects: LiveEffects,
  ) {}

  /** Creates the app with a new API secret (answered to the super admin creating it). */
  async create(p: Principal, appID: string, name: string, ackMode?: AckMode): Promise<AppWithApiSecret> {
    assertSuperAdmin(p);
    return this.apps.create(appID, name, ackMode);
  }

  /** A page of the apps the principal may see: every app for a super admin, its own for an admin. */
  async list(p: Principal, page: { limit: number; cursor?: string }): Promise<Page<App>> {
    if (p.role === Role.Client) throw forbidden('listing apps requires an admin token');
    const scope = p.role === Role.SuperAdmin ? {} : { appIDs: [p.appID ?? ''] };
    return this.apps.list({ ...page, ...scope });
  }

  async listAll(p: Principal): Promise<App[]> {
    assertSuperAdmin(p);
    return this.apps.listAll();
  }

  async get(p: Principal, appID: string): Promise<App> {
    assertAdminOf(p, appID);
    const app = await this.apps.find(appID);
    if (!app) throw notFound(`app ${appID}`);
    return app;
  }

  /** The app with its API secret: for its admins and super admins only. */
  async getWithApiSecret(p: Principal, appID: string): Promise<AppWithApiSecret> {
    assertAdminOf(p, appID);
    const app = await this.apps.findWithApiSecret(appID);
    if (!app) throw notFound(`app ${appID}`);
    return app;
  }

  /**
   * Gives the app a new API secret and answers it. The old one is refused from then on by every
   * admin-api replica: the server API reads the secret from Postgres on each request.
   */
  async rotateApiSecret(p: Principal, appID: string): Promise<{ apiSecret: string }> {
    assertAdminOf(p, appID);
    const apiSecret = await this.apps.rotateApiSecret(appID);
    if (apiSecret === null) throw notFound(`app ${appID}`);
    // Hooks are signed with it: every process re-reads it.
    await this.effects.apply([{ kind: 'control', message: { type: 'app_updated', appID } }]);
    return { apiSecret };
  }

  /** The app's backend hooks (protocol §5.4); null: none. */
  async hooks(p: Principal, appID: string): Promise<HooksConfig | null> {
    assertAdminOf(p, appID);
    const app = await this.apps.hooks(appID);
    if (!app) throw notFound(`app ${appID}`);
    return app.hooks;
  }

  /** Sets (null: removes) the app's hooks; every gateway and replica uses them from the answer on. */
  async setHooks(p: Principal, appID: string, hooks: HooksConfig | null): Promise<HooksConfig | null> {
    assertAdminOf(p, appID);
    if (!(await this.apps.setHooks(appID, hooks))) throw notFound(`app ${appID}`);
    await this.effects.apply([{ kind: 'control', message: { type: 'app_updated', appID } }]);
    return hooks;
  }

  async rename(p: Principal, appID: string, name: string): Promise<App> {
    assertAdminOf(p, appID);
    return this.apps.rename(appID, name);
  }

  /**
   * Changes the app's name and/or ack mode. A new ack mode applies to every channel of the app that
   * does not set its own, on every gateway and admin-api at once (their cached settings are dropped).
   */
  async update(p: Principal, appID: string, changes: { name?: string; ackMode?: AckMode }): Promise<App> {
    assertAdminOf(p, appID);
    const before = await this.get(p, appID);
    if (changes.name === undefined && changes.ackMode === undefined) return before;
    const after = await this.apps.update(appID, changes);
    if (after.ackMode !== before.ackMode)
      await this.effects.apply([{ kind: 'control', message: { type: 'app_updated', appID } }]);
    return after;
  }

  /**
   * Deletes the app with everything it owns (clients, channels, memberships, stored events). Every
   * channel's publish gate closes and its hot stream is dropped; gateways disconnect the app's
   * connections.
   */
  async delete(p: Principal, appID: string): Promise<void> {
    assertSuperAdmin(p);
    const channelIDs: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.channels.list({ appID, limit: 1000, ...(cursor ? { cursor } : {}) });
      channelIDs.push(...page.items.map((c) => c.channelID));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    if (!(await this.apps.delete(appID))) throw notFound(`app ${appID}`);
    const effects: LiveEffect[] = channelIDs.flatMap((channelID): LiveEffect[] => [
      { kind: 'gate', appID, channelID },
      { kind: 'drop_stream', appID, channelID },
    ]);
    effects.push({ kind: 'control', message: { type: 'app_deleted', appID } });
    await this.effects.apply(effects);
  }
}
