import type { ChannelRepository, EventRepository } from '@channels/db';
import type { ChannelGate, StreamSource } from '@channels/realtime';

/** Seeds the broker's Redis state from Postgres (first use of a channel, or after Redis lost it). */
export class PostgresStreamSource implements StreamSource {
  constructor(
    private readonly channels: ChannelRepository,
    private readonly events: EventRepository,
  ) {}

  async storedTop(appID: string, channelID: string): Promise<number> {
    return (await this.events.top(appID, channelID)).offset;
  }

  async gate(appID: string, channelID: string): Promise<ChannelGate> {
    const c = await this.channels.find(appID, channelID);
    return { exists: c !== null, closed: c?.isClosed ?? false };
  }
}
