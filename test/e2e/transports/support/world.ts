import type { Stack } from '@channels/testing';
import { Http } from '../../admin-api/support/http';
import { DRIVERS, type RealtimeConnection, type TransportName } from './realtime-driver';

export interface ChannelSettings {
  persistent?: boolean;
  private?: boolean;
  presence?: boolean;
}

/**
 * One app on a running stack, driven through admin-api's original routes, and the realtime
 * connections a test opened (closed by `closeAll`).
 */
export class World {
  readonly http: Http;
  readonly admin: string;
  private readonly open: RealtimeConnection[] = [];

  constructor(
    readonly stack: Stack,
    readonly app: string,
  ) {
    this.http = new Http(stack.adminUrl);
    this.admin = stack.adminToken(app);
  }

  /** Creates the app and its clients. */
  async setup(clients: string[]): Promise<void> {
    await this.expect(
      this.http.post('/app', {
        token: this.stack.superAdminToken(),
        body: { AppID: this.app, Name: this.app },
      }),
    );
    for (const clientID of clients) await this.createClient(clientID);
  }

  createClient(clientID: string) {
    return this.expect(this.http.post('/client', { token: this.admin, appID: this.app, body: { clientID } }));
  }

  createChannel(channelID: string, s: ChannelSettings = {}) {
    return this.expect(
      this.http.post('/channel', {
        token: this.admin,
        appID: this.app,
        body: { channelID, persistent: false, private: false, presence: false, ...s },
      }),
      201,
    );
  }

  join(channelID: string, clientID: string) {
    return this.expect(this.http.post(`/channel/${channelID}/join/${clientID}`, this.as()));
  }

  leave(channelID: string, clientID: string) {
    return this.expect(this.http.post(`/channel/${channelID}/leave/${clientID}`, this.as()));
  }

  closeChannel(channelID: string) {
    return this.expect(this.http.post(`/channel/${channelID}/close`, this.as()));
  }

  openChannel(channelID: string) {
    return this.expect(this.http.post(`/channel/${channelID}/open`, this.as()));
  }

  deleteChannel(channelID: string) {
    return this.expect(this.http.delete(`/channel/${channelID}`, this.as()));
  }

  deleteClient(clientID: string) {
    return this.expect(this.http.delete(`/client/${clientID}`, this.as()));
  }

  /** Publishes over HTTP (the original route, trailing slash as the JavaScript SDK sends it). */
  httpPublish(channelID: string, eventType: string, payload: unknown) {
    return this.expect(
      this.http.post(`/channel/${channelID}/publish/`, { ...this.as(), body: { eventType, payload } }),
      [200, 201, 202],
    );
  }

  /** The stored payloads of a channel, oldest first, through `GET /last/{id}/{amount}` (newest first). */
  async history(channelID: string, amount = 100): Promise<unknown[]> {
    const r = await this.http.get<{ events?: { payload: unknown }[] }>(
      `/last/${channelID}/${amount}`,
      this.as(),
    );
    expect(r.status).toBe(200);
    return (r.body.events ?? []).map((e) => e.payload).reverse();
  }

  /** Who is online in a presence channel, through admin-api (`/v1/apps/:app/channels/:id/presence`). */
  async online(channelID: string): Promise<string[]> {
    const r = await this.http.get<{ clientStatus?: Record<string, { status: boolean }> }>(
      `/v1/apps/${this.app}/channels/${channelID}/presence`,
      { token: this.admin },
    );
    expect(r.status).toBe(200);
    return Object.entries(r.body.clientStatus ?? {})
      .filter(([, s]) => s.status)
      .map(([clientID]) => clientID)
      .sort();
  }

  token(clientID: string, expiresInSeconds?: number): string {
    return this.stack.clientToken(this.app, clientID, expiresInSeconds);
  }

  /** Opens a connection of `clientID` on gateway `gw` over `transport` (closed by `closeAll`). */
  async connect(transport: TransportName, gw: number, clientID: string, deviceID?: string) {
    const c = await DRIVERS[transport].connect(this.stack.url('gateway', gw), {
      token: this.token(clientID),
      appID: this.app,
      ...(deviceID ? { deviceID } : {}),
    });
    this.open.push(c);
    return c;
  }

  /** `connect`, then subscribe to each channel, expecting every subscribe to be accepted. */
  async subscriber(transport: TransportName, gw: number, clientID: string, channels: string[]) {
    const c = await this.connect(transport, gw, clientID);
    for (const channelID of channels)
      expect({ channelID, ok: await c.subscribe(channelID) }).toEqual({ channelID, ok: true });
    return c;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.open.splice(0).map((c) => c.close().catch(() => undefined)));
  }

  private as() {
    return { token: this.admin, appID: this.app };
  }

  private async expect(p: Promise<{ status: number; text: string }>, status: number | number[] = 200) {
    const r = await p;
    const allowed = Array.isArray(status) ? status : [status];
    if (!allowed.includes(r.status)) throw new Error(`admin-api answered ${r.status}: ${r.text}`);
    return r;
  }
}
