import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyChannelsSignature } from '@channels/auth';
import type { WebhookBody } from '@channels/contracts';

/** One request as the receiver saw it. */
export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  raw: string;
  body: WebhookBody;
  /** The status it answered. */
  answered: number;
}

/**
 * An app's backend on loopback: a plain Node HTTP server recording every webhook POSTed to it and
 * answering what `answer` says (204 by default). `down()` closes it (connections are refused) and
 * `up()` listens again on the same port.
 */
export class Receiver {
  readonly received: ReceivedWebhook[] = [];
  /** The status to answer a webhook with; may also hold the answer back (a slow receiver). */
  answer: (body: WebhookBody, attempt: number) => number | Promise<number> = () => 204;
  private server: Server | null = null;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/webhooks`;
  }

  async up(): Promise<this> {
    const server = createServer((req, res) => void this.handle(req.headers, req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }

  /** Webhooks received with a 2xx answer, in arrival order. */
  get delivered(): WebhookBody[] {
    return this.received.filter((r) => r.answered < 300).map((r) => r.body);
  }

  /** Every request whose signature does not verify with `apiSecret` (should be none). */
  badSignatures(apiSecret: string): ReceivedWebhook[] {
    return this.received.filter(
      (r) =>
        !verifyChannelsSignature(apiSecret, r.raw, r.headers['x-channels-signature'] as string | undefined),
    );
  }

  private async handle(headers: IncomingHttpHeaders, req: NodeJS.ReadableStream, res: ServerResponse) {
    let raw = '';
    for await (const chunk of req) raw += chunk.toString();
    const body = JSON.parse(raw) as WebhookBody;
    const attempt = this.received.filter((r) => r.body.id === body.id).length + 1;
    const status = await this.answer(body, attempt);
    this.received.push({ headers, raw, body, answered: status });
    res.writeHead(status).end();
  }
}
