import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { AppModule } from '../app.module';
import type { AdminApiConfig } from '../config';
import { V1_ROUTES } from './openapi';

/** The documentation's own routes: not part of the API they document. */
const DOC_ROUTES = new Set(['get /v1/openapi.json', 'get /v1/docs', 'get /v1/docs/{file}']);

/** `v1/apps/:appID` + `:channelID/close` → `/v1/apps/{appID}/{channelID}/close`. */
function joinPath(...parts: string[]): string {
  const path = parts
    .flatMap((p) => p.split('/'))
    .filter((p) => p.length > 0)
    .map((p) => (p.startsWith(':') ? `{${p.slice(1)}}` : p))
    .join('/');
  return `/${path}`;
}

/** Every route the admin-api module serves, read from the controllers' own decorators. */
function servedRoutes(): string[] {
  const module = AppModule.forRoot({} as AdminApiConfig);
  const out: string[] = [];
  for (const controller of module.controllers ?? []) {
    const base = Reflect.getMetadata(PATH_METADATA, controller) as string | string[];
    const prototype = (controller as { prototype: Record<string, unknown> }).prototype;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const handler = prototype[name];
      if (typeof handler !== 'function' || name === 'constructor') continue;
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (path === undefined || method === undefined) continue;
      for (const b of [base].flat()) {
        for (const p of [path].flat()) {
          out.push(`${RequestMethod[method].toLowerCase()} ${joinPath(b, p)}`);
        }
      }
    }
  }
  return out;
}

/**
 * The OpenAPI document is written as a route table (`V1_ROUTES`) beside the controllers; this test
 * proves the two list the same `/v1` routes, so neither can drift from the other.
 */
describe('the /v1 OpenAPI route table', () => {
  it('lists exactly the /v1 routes the controllers serve', () => {
    const served = servedRoutes().filter((r) => r.split(' ')[1].startsWith('/v1') && !DOC_ROUTES.has(r));
    const documented = V1_ROUTES.map((r) => `${r.method} ${r.path}`);
    expect(served.length).toBeGreaterThan(30);
    expect([...new Set(served)].sort()).toEqual([...new Set(documented)].sort());
    expect(served.length).toBe(new Set(served).size);
  });

  it('finds the documentation routes it leaves out', () => {
    expect(servedRoutes()).toEqual(expect.arrayContaining([...DOC_ROUTES]));
  });
});
