import * as http from 'node:http';
import type { NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { Application } from 'express';

type RequestConstructor = typeof http.IncomingMessage;
type ResponseConstructor = typeof http.ServerResponse;
/** Express's prototypes for requests and responses (not in its typings). */
interface ExpressPrototypes {
  request: http.IncomingMessage;
  response: http.ServerResponse;
}

/**
 * Request and response classes whose instances are born with Express's own prototypes
 * (`app.request`, `app.response`).
 *
 * Express moves every request and response onto those prototypes (`Object.setPrototypeOf`) as it
 * starts handling them. On an object born with another prototype that costs V8 a new hidden class
 * per object, and the objects of every request then outlive the young generation: measured on a
 * bare Express app under a keep-alive load, 3–5 MB survived each young collection (every one of
 * them promoted to the old generation at the next), each young collection paused the process for
 * 2–7 ms, and a full collection every few seconds reclaimed ≈ 110 MB. With the prototype already
 * in place Express's call changes nothing: ≈ 0.5 KB survives, pauses are ≈ 0.3 ms.
 */
function expressMessageClasses(app: Application): {
  IncomingMessage: RequestConstructor;
  ServerResponse: ResponseConstructor;
} {
  // Constructor functions (not classes): the instances' prototype must be exactly Express's object.
  function ExpressIncomingMessage(this: http.IncomingMessage, socket: import('node:net').Socket) {
    http.IncomingMessage.call(this, socket);
  }
  const protos = app as unknown as ExpressPrototypes;
  ExpressIncomingMessage.prototype = protos.request;
  function ExpressServerResponse(this: http.ServerResponse, req: http.IncomingMessage, options?: unknown) {
    (http.ServerResponse as unknown as (req: http.IncomingMessage, options?: unknown) => void).call(
      this,
      req,
      options,
    );
  }
  ExpressServerResponse.prototype = protos.response;
  return {
    IncomingMessage: ExpressIncomingMessage as unknown as RequestConstructor,
    ServerResponse: ExpressServerResponse as unknown as ResponseConstructor,
  };
}

/**
 * Nest's Express adapter with an HTTP server whose requests and responses are created with
 * Express's prototypes (see `expressMessageClasses`). HTTPS and the adapter's connection-tracking
 * options are left to the stock adapter.
 */
export class StableExpressAdapter extends ExpressAdapter {
  override initHttpServer(options: NestApplicationOptions): void {
    if (options?.httpsOptions || options?.forceCloseConnections || options?.return503OnClosing) {
      super.initHttpServer(options);
      return;
    }
    const app = this.getInstance<Application>();
    this.httpServer = http.createServer(expressMessageClasses(app), app);
  }
}
