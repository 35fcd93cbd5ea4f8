import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP forwarder on loopback to simulate an outage of a shared server (Postgres, Redis) without
 * touching it: `cut()` drops every open connection and refuses new ones until `restore()`;
 * `stall()` keeps connections open but forwards nothing (a server that hangs) until `restore()`.
 */
export class TcpProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly pairs = new Set<[Socket, Socket]>();
  /** Connections accepted while stalled, not yet connected upstream. */
  private readonly waiting = new Set<Socket>();
  private isCut = false;
  private isStalled = false;
  port = 0;

  constructor(
    private readonly targetPort: number,
    private readonly targetHost = '127.0.0.1',
  ) {}

  /** Listens on `port` (0 = a free one) and returns it. */
  async start(port = 0): Promise<number> {
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const addr = server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : port;
    this.server = server;
    return this.port;
  }

  /** A URL like `base` with host and port replaced by this proxy's. */
  url(base: string): string {
    const u = new URL(base);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  get cutOff(): boolean {
    return this.isCut;
  }

  cut(): void {
    this.isCut = true;
    this.isStalled = false;
    for (const s of [...this.sockets, ...this.waiting]) s.destroy();
    this.sockets.clear();
    this.waiting.clear();
    this.pairs.clear();
  }

  /** Stops forwarding in both directions; connections stay open, new ones are accepted and held. */
  stall(): void {
    this.isStalled = true;
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  restore(): void {
    this.isCut = false;
    if (!this.isStalled) return;
    this.isStalled = false;
    for (const [client, upstream] of this.pairs) {
      client.pipe(upstream);
      upstream.pipe(client);
    }
    for (const client of this.waiting) this.forward(client);
    this.waiting.clear();
  }

  async close(): Promise<void> {
    this.cut();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.isCut) {
      client.destroy();
      return;
    }
    if (this.isStalled) {
      client.pause();
      client.on('error', () => undefined);
      client.on('close', () => this.waiting.delete(client));
      this.waiting.add(client);
      return;
    }
    this.forward(client);
  }

  private forward(client: Socket): void {
    const upstream = createConnection({ host: this.targetHost, port: this.targetPort });
    const pair: [Socket, Socket] = [client, upstream];
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.setNoDelay(true);
      s.on('error', () => undefined);
      s.on('close', () => {
        this.sockets.delete(s);
        this.pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      });
    }
    this.pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
