import { Inject, Injectable } from '@nestjs/common';
import { ChannelRepository } from '@channels/db';
import { BROKER, type Broker } from '@channels/realtime';

/**
 * Keeps the Redis gate the publish script enforces (exists / closed) equal to Postgres. admin-api
 * calls `sync` after every committed channel change, so a closed channel refuses publishing on every
 * gateway from that moment on.
 */
@Injectable()
export class ChannelGateService {
  constructor(
    private readonly channels: ChannelRepository,
    @Inject(BROKER) private readonly broker: Broker,
  ) {}

  async sync(appID: string, channelID: string): Promise<void> {
    const channel = await this.channels.find(appID, channelID);
    await this.broker.setGate(appID, channelID, {
      exists: channel !== null,
      closed: channel?.isClosed ?? false,
    });
    if (!channel) await this.broker.dropStream(appID, channelID);
  }
}
