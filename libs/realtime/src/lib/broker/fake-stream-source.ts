import type { ChannelGate, StreamSource } from './broker.port';

/** A stream source backed by plain maps, so contract tests control "storage". */
export class FakeStreamSource implements StreamSource {
  readonly tops = new Map<string, number>();
  readonly gates = new Map<string, ChannelGate>();
  /** Channels whose stream was seeded at least once. */
  readonly seeded = new Set<string>();

  async seedPosition(appID: string, channelID: string): Promise<{ top: number; reseed: boolean }> {
    const key = `${appID}/${channelID}`;
    const reseed = this.seeded.has(key);
    this.seeded.add(key);
    return { top: this.tops.get(key) ?? 0, reseed };
  }

  async gate(appID: string, channelID: string): Promise<ChannelGate> {
    return this.gates.get(`${appID}/${channelID}`) ?? { exists: false, closed: false };
  }

  open(appID: string, channelID: string): void {
    this.gates.set(`${appID}/${channelID}`, { exists: true, closed: false });
  }
}
