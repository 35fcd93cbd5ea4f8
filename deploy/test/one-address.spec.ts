// The clients' one address, as each front door routes it: npm start's (tools/front-door), compose's
// nginx and the Kubernetes Ingresses send the original product's REST routes, /v1, the server API
// (/apps/{appID}/api/, gocent's) and the dashboard (/dashboard/) to admin-api, and socket.io and /optimized (the original SDKs'
// WebSocket) to the gateways. The original SDKs use one base URL for both, so a front door that misses either breaks them. The admin-api requests are
// every route its controllers serve (with and without a trailing slash, as the SDKs call some): a
// route added later that a front door misses fails here.
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { AppModule } from '../../apps/admin-api/src/app.module';
import type { AdminApiConfig } from '../../apps/admin-api/src/config';
import { loadAppEnv } from './support/app-config';
import { loadCompose, serviceEnv } from './support/compose';
import { ingressService } from './support/ingress';
import { type K8sObject, OVERLAYS, ofKind, renderOverlay } from './support/kustomize';
import {
  type NginxDirective,
  child,
  children,
  evaluateMap,
  parseNginxConf,
  selectLocation,
} from './support/nginx-conf';
import { readRepoFile } from './support/repo';

type Service = 'admin-api' | 'gateway';

/** A concrete request path for every route the admin-api's controllers serve (`:id` → `x1`). */
function adminApiPaths(): string[] {
  const module = AppModule.forRoot({} as AdminApiConfig);
  const paths = new Set<string>();
  for (const controller of module.controllers ?? []) {
    const bases = [Reflect.getMetadata(PATH_METADATA, controller) as string | string[]].flat();
    const prototype = (controller as { prototype: Record<string, unknown> }).prototype;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const handler = prototype[name];
      if (typeof handler !== 'function' || name === 'constructor') continue;
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      if (path === undefined || Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
      for (const b of bases)
        for (const p of [path].flat()) {
          const concrete = [b, p]
            .flatMap((s) => s.split('/'))
            .filter(Boolean)
            .map((s) => (s.startsWith(':') ? 'x1' : s))
            .join('/');
          paths.add(`/${concrete}`);
          paths.add(`/${concrete}/`);
        }
    }
  }
  return [...paths].sort();
}

const ADMIN_API = adminApiPaths();
/** Requests the gateways serve; and paths that only look like admin-api ones. */
const GATEWAY = [
  '/socket.io/?EIO=4&transport=polling',
  '/socket.io/?EIO=4&transport=polling&sid=gateway-2.Xy7_kP2',
  '/socket.io/?EIO=4&transport=websocket',
  '/optimized',
  '/optimized?Authorization=eyJhbGciOi.x.y&AppID=app1&DeviceID=dev1',
  '/sse?channel=news&channel=chat&token=eyJhbGciOi.x.y&appID=app1',
  '/channels',
  '/apple',
  '/appsx/x1/api/',
  '/cx/1/sync/2',
  '/v10',
  '/dashboards',
];
const REQUESTS: [string, Service][] = [
  ...ADMIN_API.map((p): [string, Service] => [p, 'admin-api']),
  ...GATEWAY.map((p): [string, Service] => [p, 'gateway']),
];
const pathOf = (request: string) => request.split('?')[0];
const EXPECTED = Object.fromEntries(REQUESTS);
/** Where `route` sends each request, as one object (a mismatch shows as a diff of the routes). */
const routes = (route: (request: string) => string) =>
  Object.fromEntries(REQUESTS.map(([r]) => [r, route(r)]));
const ROUTES_TITLE =
  'sends every admin-api route to admin-api, socket.io, /optimized and /sse to the gateways';

/** Longest idle time of an /optimized connection: ping interval + pong wait (the wire's defaults). */
function optimizedIdleMs(env: Record<string, unknown>): number {
  return (
    Number(env['OPTIMIZED_PING_INTERVAL_MS'] ?? 54_000) + Number(env['OPTIMIZED_PONG_WAIT_MS'] ?? 60_000)
  );
}

it('samples every admin-api route, original, /v1 and the server API', () => {
  for (const p of [
    '/channel/x1/publish/',
    '/channel/private',
    '/c/x1/sync/x1',
    '/app/',
    '/v1/apps',
    '/apps/x1/api',
    '/apps/x1/api/',
    '/dashboard',
    '/dashboard/assets/x1',
  ])
    expect(ADMIN_API).toContain(p);
  expect(ADMIN_API.length).toBeGreaterThan(50);
});

describe('npm start front door (tools/front-door)', () => {
  interface FrontDoor {
    serviceOf(path: string): Service;
  }
  const load = (): Promise<FrontDoor> =>
    // @ts-expect-error -- plain .mjs tool without type declarations; FrontDoor above is its shape.
    import('../../tools/front-door/front-door.mjs') as Promise<FrontDoor>;

  it(ROUTES_TITLE, async () => {
    const fd = await load();
    expect(routes((r) => fd.serviceOf(r))).toEqual(EXPECTED);
  });
});

describe('compose nginx (deploy/nginx/nginx.conf)', () => {
  const http = child(parseNginxConf(readRepoFile('deploy/nginx/nginx.conf')), 'http').block;
  const server = child(http, 'server').block;
  const services = loadCompose().services;
  const envOf = (name: string) => {
    const app = services[name].build?.target as 'gateway' | 'admin-api';
    const r = loadAppEnv(app).parse(serviceEnv(services[name]));
    if (!r.ok) throw new Error(r.error);
    return r.value;
  };
  const gateways = Object.keys(services).filter((n) => services[n].build?.target === 'gateway');
  const gatewayAddrs = gateways.map((n) => `${n}:${String(envOf(n)['GATEWAY_PORT'])}`).sort();
  const adminAddr = `admin-api:${String(envOf('admin-api')['ADMIN_API_PORT'])}`;

  /** Where nginx sends `request`: the location serving it and the service of its upstream's servers. */
  function route(request: string): { location: NginxDirective; to: Service | string } {
    const url = new URL(request, 'http://front');
    const location = selectLocation(server, url.pathname);
    let upstream = child(location.block, 'proxy_pass').args[0].replace(/^http:\/\//, '');
    if (upstream.startsWith('$')) {
      const map = children(http, 'map').find((m) => m.args[1] === upstream);
      if (!map || map.args[0] !== '$arg_sid') throw new Error(`${upstream} is not the sid map's result`);
      upstream = evaluateMap(map, url.searchParams.get('sid') ?? '');
    }
    const servers = children(child(http, 'upstream', upstream).block, 'server')
      .map((s) => s.args[0])
      .sort();
    const sid = url.searchParams.get('sid');
    const gatewayOfSid = gateways.find((g) => sid?.startsWith(`${String(envOf(g)['GATEWAY_ID'])}.`));
    const to =
      servers.join() === adminAddr
        ? 'admin-api'
        : servers.join() === gatewayAddrs.join() ||
            (gatewayOfSid !== undefined &&
              servers.join() === `${gatewayOfSid}:${String(envOf(gatewayOfSid)['GATEWAY_PORT'])}`)
          ? 'gateway'
          : `upstream ${upstream} (${servers.join(', ')})`;
    return { location, to };
  }

  it(ROUTES_TITLE, () => {
    expect(routes((r) => route(r).to)).toEqual(EXPECTED);
  });

  it('waits for admin-api before it opens', () => {
    expect(services['nginx'].depends_on?.['admin-api']).toEqual({ condition: 'service_healthy' });
  });

  it('proxies /optimized as a WebSocket that may stay idle between pings', () => {
    const { location } = route('/optimized?Authorization=t');
    const headers = children(location.block, 'proxy_set_header').map((h) => h.args);
    expect(headers).toContainEqual(['Upgrade', '$http_upgrade']);
    const connection = headers.find((h) => h[0] === 'Connection')?.[1] ?? '';
    const upgradeMap = children(http, 'map').find(
      (m) => m.args[0] === '$http_upgrade' && m.args[1] === connection,
    );
    expect(evaluateMap(upgradeMap as NginxDirective, 'websocket')).toBe('upgrade');
    expect(child(location.block, 'proxy_http_version').args).toEqual(['1.1']);
    const idleSeconds = optimizedIdleMs(envOf(gateways[0])) / 1000;
    expect(parseInt(child(location.block, 'proxy_read_timeout').args[0], 10)).toBeGreaterThan(idleSeconds);
    expect(parseInt(child(location.block, 'proxy_send_timeout').args[0], 10)).toBeGreaterThan(idleSeconds);
  });

  it('streams /sse unbuffered and keeps it open between heartbeats', () => {
    const { location } = route('/sse?channel=a');
    expect(child(location.block, 'proxy_buffering').args).toEqual(['off']);
    expect(child(location.block, 'proxy_http_version').args).toEqual(['1.1']);
    const heartbeat = Number(envOf(gateways[0])['SSE_HEARTBEAT_MS'] ?? 15_000) / 1000;
    expect(parseInt(child(location.block, 'proxy_read_timeout').args[0], 10)).toBeGreaterThan(heartbeat);
  });

  it("lets admin-api's largest body through", () => {
    const { location } = route('/channel/x1/publish/');
    const body = /^(\d+)([km]?)$/.exec(child(location.block, 'client_max_body_size').args[0]);
    const bytes = body ? Number(body[1]) * { '': 1, k: 1024, m: 1_048_576 }[body[2] as '' | 'k' | 'm'] : 0;
    expect(bytes).toBeGreaterThanOrEqual(Number(envOf('admin-api')['ADMIN_API_BODY_LIMIT_BYTES']));
  });

  it('matches locations as nginx does (the checks above can fail)', () => {
    const conf = parseNginxConf(
      'server { location / { a; } location ^~ /s { b; } location ~ ^/(x|y)(/|$) { c; } location = /o { d; } }',
    );
    const which = (uri: string) => selectLocation(child(conf, 'server').block, uri).block?.[0].name;
    expect(['/', '/s/x', '/x', '/x/1', '/xy', '/o', '/o/'].map(which)).toEqual([
      'a',
      'b',
      'c',
      'c',
      'a',
      'd',
      'a',
    ]);
  });
});

describe.each(OVERLAYS)('Kubernetes Ingresses (overlay %s)', (overlay) => {
  let objects: K8sObject[];
  let ingresses: IIngress[];
  let host: string;
  beforeAll(() => {
    objects = renderOverlay(overlay);
    ingresses = ofKind<IIngress>(objects, 'Ingress');
    host = ingresses.find((i) => i.metadata?.name === 'gateway')?.spec?.rules?.[0].host ?? '';
  });

  it('serve one host, with one certificate when there is one', () => {
    expect(host).not.toBe('');
    for (const ing of ingresses) {
      expect((ing.spec?.rules ?? []).map((r) => r.host)).toEqual([host]);
      expect(ing.spec?.ingressClassName).toBe('nginx');
    }
    const tls = ingresses.map((i) => JSON.stringify(i.spec?.tls ?? null));
    expect(new Set(tls).size).toBe(1);
  });

  it(ROUTES_TITLE, () => {
    expect(routes((r) => ingressService(ingresses, host, pathOf(r)) ?? 'nothing')).toEqual(EXPECTED);
  });

  it('stream /sse unbuffered', () => {
    const a = ingresses.find((i) => i.metadata?.name === 'gateway')?.metadata?.annotations ?? {};
    expect(a['nginx.ingress.kubernetes.io/proxy-buffering']).toBe('off');
    expect(Number(a['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThan(15);
  });

  it('keep an /optimized WebSocket open between pings', () => {
    const gateway = ingresses.find((i) => i.metadata?.name === 'gateway');
    const a = gateway?.metadata?.annotations ?? {};
    const settings = ofKind<{ metadata: { name: string }; data?: Record<string, string> }>(
      objects,
      'ConfigMap',
    )
      .filter((c) => /^(channels|gateway)-config/.test(c.metadata.name))
      .reduce((all, c) => ({ ...all, ...c.data }), {});
    const idleMs = optimizedIdleMs(settings);
    expect(Number(a['nginx.ingress.kubernetes.io/proxy-read-timeout']) * 1000).toBeGreaterThan(idleMs);
    expect(Number(a['nginx.ingress.kubernetes.io/proxy-send-timeout']) * 1000).toBeGreaterThan(idleMs);
  });
});

it('matches Ingress paths as the Ingress API says (the checks above can fail)', () => {
  const backend = (name: string) => ({ service: { name, port: { name: 'http' } } });
  const rules: IIngress[] = [
    {
      spec: {
        rules: [
          {
            host: 'h',
            http: {
              paths: [
                { path: '/', pathType: 'Prefix', backend: backend('root') },
                { path: '/c', pathType: 'Prefix', backend: backend('c') },
                { path: '/o', pathType: 'Exact', backend: backend('o') },
              ],
            },
          },
        ],
      },
    } as IIngress,
  ];
  const which = (p: string) => ingressService(rules, 'h', p);
  expect(['/', '/c', '/c/', '/c/1', '/channel', '/o', '/o/'].map(which)).toEqual([
    'root',
    'c',
    'c',
    'c',
    'root',
    'o',
    'root',
  ]);
  expect(ingressService(rules, 'other', '/')).toBeUndefined();
});
