import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Controller, Get, Header, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
// The path helper alone: the package's main module loads the whole swagger-ui bundle.
import getAbsoluteFSPath from 'swagger-ui-dist/absolute-path.js';
import { notFound } from '../resources/errors';
import { buildOpenApi } from './openapi';

/** The swagger-ui files served under `/v1/docs/` (from the `swagger-ui-dist` package). */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <title>Channels admin API</title>
  <link rel="stylesheet" href="/v1/docs/swagger-ui.css" />
  <link rel="icon" type="image/png" href="/v1/docs/favicon-32x32.png" />
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/v1/docs/swagger-ui-bundle.js"></script>
  <script src="/v1/docs/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: '/v1/openapi.json',
      dom_id: '#swagger-ui',
      deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: 'StandaloneLayout',
    });
  </script>
</body>
</html>
`;

/** `/v1/openapi.json` (the OpenAPI 3.1 document) and `/v1/docs` (browsable docs); no token needed. */
@Controller('v1')
export class DocsController {
  private document?: string;
  private assetsDir?: string;

  @Get('openapi.json')
  @Header('Content-Type', 'application/json; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  openapi(): string {
    this.document ??= JSON.stringify(buildOpenApi());
    return this.document;
  }

  @Get('docs')
  @Header('Content-Type', 'text/html; charset=utf-8')
  page(): string {
    return PAGE;
  }

  @Get('docs/:file')
  async asset(@Param('file') file: string, @Res() res: Response): Promise<void> {
    const type = ASSETS[file];
    if (!type) throw notFound(`docs file ${file}`);
    const body = await readFile(join(this.dir(), file));
    res.setHeader('Content-Type', type);
    res.setHeader('Cache-Control', 'public, max-age=86400');
    res.send(body);
  }

  private dir(): string {
    this.assetsDir ??= getAbsoluteFSPath();
    return this.assetsDir;
  }
}
