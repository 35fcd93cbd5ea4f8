import { Controller, Get, Header, Inject, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ADMIN_API_CONFIG, type AdminApiConfig } from '../config';
import { notFound } from '../resources/errors';

interface SendOptions {
  maxAge?: string;
  immutable?: boolean;
  headers?: Record<string, string>;
}

/**
 * The dashboard (apps/dashboard, built to `DASHBOARD_DIR`) at `/dashboard/`, on admin-api's own
 * origin so that it calls `/v1` without CORS: hashed assets cached for good, `config.json` with the
 * deployment's settings, and index.html for every other path under it (the page's own routes).
 * No token is needed for these files; every API call the page makes needs one.
 */
@Controller('dashboard')
export class DashboardController {
  constructor(@Inject(ADMIN_API_CONFIG) private readonly config: AdminApiConfig) {}

  @Get('config.json')
  @Header('Cache-Control', 'no-cache')
  settings(): { gatewayURL: string } {
    return { gatewayURL: this.config.DASHBOARD_GATEWAY_URL };
  }

  @Get('assets/:file')
  async asset(@Param('file') file: string, @Res() res: Response): Promise<void> {
    if (!(await this.send(res, `assets/${file}`, { maxAge: '365d', immutable: true })))
      throw notFound(`dashboard file ${file}`);
  }

  @Get()
  index(@Res() res: Response): Promise<void> {
    return this.page(res);
  }

  @Get('*path')
  route(@Res() res: Response): Promise<void> {
    return this.page(res);
  }

  private async page(res: Response): Promise<void> {
    if (!(await this.send(res, 'index.html', { headers: { 'Cache-Control': 'no-cache' } })))
      throw notFound(`the dashboard in ${this.config.DASHBOARD_DIR} (build it with \`npm run build\`):`);
  }

  /**
   * Sends `file` of the dashboard directory (`root` keeps the path inside it); false when there is
   * no such file.
   */
  private send(res: Response, file: string, opts: SendOptions): Promise<boolean> {
    return new Promise((resolve, reject) => {
      res.sendFile(file, { root: this.config.DASHBOARD_DIR, dotfiles: 'deny', ...opts }, (err?: Error) => {
        const status = (err as { status?: number } | undefined)?.status;
        if (!err || res.headersSent) resolve(true);
        // 404 no such file, 403 a path leaving the directory or a dotfile: both are "no such file".
        else if (status === 404 || status === 403) resolve(false);
        else reject(err);
      });
    });
  }
}
