import type { ChannelRepository, EventRepository } from '@channels/db';
import type { ChannelGate, StreamSource } from '@channels/realtime';

/** Seeds the broker's Redis state from Postgres (first use of a channel, or after Redis lost it). */
export class PostgresStreamSource implements StreamSource {
  constructor(
    private readonly channels: ChannelRepository,
    private readonly events: EventRepository,
  ) {}

  async seedPosition(appID: string, channelID: string): Promise<{ top: number; reseed: boolean }> {
    const reseed = await this.channels.markStreamSeeded(appID, channelID);
    return { top: (await this.events.top(appID, channelID)).offset, reseed };
  }

  async gate(appID: string, channelID: string): Promise<ChannelGate> {
    const c = await this.channels.find(appID, channelID);
    return { exists: c !== null, closed: c?.isClosed ?? false };
  }
}
