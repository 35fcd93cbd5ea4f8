import { Controller, Headers, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { API_SIGN_HEADER } from './api-signature';
import type { ServerApiReply } from './server-api.commands';
import { ServerApiService } from './server-api.service';

/** Path of the server API, which main.ts gives a raw-bytes body parser (the signature covers them). */
export const SERVER_API_PATH = '/apps/:appID/api';

/**
 * `POST /apps/{appID}/api/` (with or without the trailing slash): the Centrifugo v1 server API, as
 * gocent calls it. No token: the `X-API-Sign` signature is the credential.
 */
@Controller('apps/:appID/api')
export class ServerApiController {
  constructor(private readonly api: ServerApiService) {}

  @Post()
  @HttpCode(200)
  run(
    @Param('appID') appID: string,
    @Req() req: Request,
    @Headers(API_SIGN_HEADER) signature: string | undefined,
  ): Promise<ServerApiReply[]> {
    const body: unknown = req.body;
    return this.api.handle(appID, Buffer.isBuffer(body) ? body : Buffer.alloc(0), signature);
  }
}
