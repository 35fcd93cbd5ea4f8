import { Injectable } from '@nestjs/common';
import { assertAdminOf } from '@channels/auth';
import type { Namespace, Principal } from '@channels/contracts';
import { AppRepository, ChannelRepository, NamespaceRepository, type NamespaceWrite } from '@channels/db';
import { settingsEffects } from './channels.service';
import { notFound } from './errors';
import { type LiveEffect, LiveEffects } from './live-effects.service';

/**
 * Namespaces of an app (protocol §5.1), managed by its admins. A change is announced to every
 * process (`app_updated`: cached namespaces are re-read) and given to the channels that follow the
 * namespace — those made on first use — with the same live effects as a channel's own change:
 * their live subscribers are under the new settings when the request answers.
 */
@Injectable()
export class NamespacesService {
  constructor(
    private readonly apps: AppRepository,
    private readonly namespaces: NamespaceRepository,
    private readonly channels: ChannelRepository,
    private readonly effects: LiveEffects,
  ) {}

  async list(p: Principal, appID: string): Promise<Namespace[]> {
    assertAdminOf(p, appID);
    if (!(await this.apps.exists(appID))) throw notFound(`app ${appID}`);
    return this.namespaces.list(appID);
  }

  async get(p: Principal, appID: string, name: string): Promise<Namespace> {
    assertAdminOf(p, appID);
    return this.require(appID, name);
  }

  async create(p: Principal, appID: string, name: string, settings: NamespaceWrite): Promise<Namespace> {
    assertAdminOf(p, appID);
    if (!(await this.apps.exists(appID))) throw notFound(`app ${appID}`);
    const created = await this.namespaces.create(appID, name, settings);
    await this.effects.apply([{ kind: 'control', message: { type: 'app_updated', appID } }]);
    return created;
  }

  async update(p: Principal, appID: string, name: string, settings: NamespaceWrite): Promise<Namespace> {
    assertAdminOf(p, appID);
    const before = await this.require(appID, name);
    const after = await this.namespaces.update(appID, name, settings);
    const following = await this.channels.followNamespace(appID, name, after);
    const effects: LiveEffect[] = [{ kind: 'control', message: { type: 'app_updated', appID } }];
    for (const channelID of following)
      effects.push(...settingsEffects({ ...before, appID, channelID }, after));
    await this.effects.apply(effects);
    return after;
  }

  /** Deletes the namespace; its channels stay with the settings they have. */
  async delete(p: Principal, appID: string, name: string): Promise<void> {
    assertAdminOf(p, appID);
    if (!(await this.namespaces.delete(appID, name))) throw notFound(`namespace ${name}`);
    await this.effects.apply([{ kind: 'control', message: { type: 'app_updated', appID } }]);
  }

  private async require(appID: string, name: string): Promise<Namespace> {
    const ns = await this.namespaces.find(appID, name);
    if (!ns) throw notFound(`namespace ${name}`);
    return ns;
  }
}
