import type { ChannelGate, StreamSource } from './broker.port';

/** A stream source backed by plain maps, so contract tests control "storage". */
export class FakeStreamSource implements StreamSource {
  readonly tops = new Map<string, number>();
  readonly gates = new Map<string, ChannelGate>();

  async storedTop(appID: string, channelID: string): Promise<number> {
    return this.tops.get(`${appID}/${channelID}`) ?? 0;
  }

  async gate(appID: string, channelID: string): Promise<ChannelGate> {
    return this.gates.get(`${appID}/${channelID}`) ?? { exists: false, closed: false };
  }

  open(appID: string, channelID: string): void {
    this.gates.set(`${appID}/${channelID}`, { exists: true, closed: false });
  }
}
