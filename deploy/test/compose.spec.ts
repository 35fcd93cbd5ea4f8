// docker-compose.yml and its nginx front door, validated offline: the Compose schema (dclint), the
// topology the docs promise, env names and values the apps accept, and the front door's routing
// of socket.io requests to the gateway that owns their session.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { type AppEnv, loadAppEnv } from './support/app-config';
import {
  type ComposeService,
  durationSeconds,
  interpolateDefaults,
  loadCompose,
  serviceEnv,
} from './support/compose';
import { type NginxDirective, child, children, evaluateMap, parseNginxConf } from './support/nginx-conf';
import { APPS, APP_PORTS, type AppName, REPO_ROOT, readRepoFile } from './support/repo';

const compose = loadCompose();
const services = compose.services;
const appOf = (svc: ComposeService): AppName | undefined => APPS.find((a) => a === svc.build?.target);
const appServices = Object.entries(services).filter(([, s]) => appOf(s));
const gateways = appServices.filter(([, s]) => appOf(s) === 'gateway');
const envCache: Partial<Record<AppName, AppEnv>> = {};
const appEnv = (app: AppName): AppEnv => (envCache[app] ??= loadAppEnv(app));

function parsedEnv(name: string): Record<string, unknown> {
  const app = appOf(services[name]);
  if (!app) throw new Error(`${name} is not an app service`);
  const r = appEnv(app).parse(serviceEnv(services[name]));
  if (!r.ok) throw new Error(`${name}'s environment does not pass ${app}'s schema: ${r.error}`);
  return r.value;
}

describe('docker-compose.yml', () => {
  it('passes the Compose schema and lint rules (dclint)', () => {
    const bin = join(REPO_ROOT, 'node_modules', 'dclint', 'bin', 'dclint.cjs');
    let output = '';
    let ok = true;
    try {
      output = execFileSync(
        process.execPath,
        [bin, '-c', 'deploy/dclint.json', '--color', 'false', 'docker-compose.yml'],
        {
          cwd: REPO_ROOT,
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
    } catch (e) {
      ok = false;
      output = String((e as { stdout?: string }).stdout ?? e);
    }
    expect({ ok, output: output.trim() }).toEqual({ ok: true, output: '' });
  });

  it('runs the whole topology: Postgres, Redis, migration, 2+ gateways behind nginx, admin-api, writer, presence', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining([
        'postgres',
        'redis',
        'migrate',
        'nginx',
        'admin-api',
        'persistence-writer',
        'presence',
      ]),
    );
    expect(gateways.length).toBeGreaterThanOrEqual(2);
    for (const app of APPS) expect(appServices.some(([, s]) => appOf(s) === app)).toBe(true);
    expect(services['migrate'].build).toEqual({ context: '.', target: 'migrate' });
  });

  it('configures Redis 7 with AOF persistence and noeviction', () => {
    const redis = services['redis'];
    expect(redis.image).toMatch(/^redis:7(\.|-|$)/);
    const cmd = Array.isArray(redis.command) ? redis.command.join(' ') : String(redis.command);
    expect(cmd).toMatch(/--appendonly yes/);
    expect(cmd).toMatch(/--maxmemory-policy noeviction/);
    expect(redis.volumes?.some((v) => v.endsWith(':/data'))).toBe(true);
    expect(services['postgres'].volumes?.some((v) => v.endsWith(':/var/lib/postgresql/data'))).toBe(true);
  });

  it.each(APPS)('%s services set only env names the app reads, with values it accepts', (app) => {
    const names = appEnv(app).names;
    for (const [name, svc] of appServices.filter(([, s]) => appOf(s) === app)) {
      const unknown = Object.keys(serviceEnv(svc)).filter((k) => !names.has(k));
      expect({ service: name, unknown }).toEqual({ service: name, unknown: [] });
      expect(() => parsedEnv(name)).not.toThrow();
      const env = parsedEnv(name);
      // Connection settings point at the compose services, never at the local defaults.
      if (names.has('DATABASE_URL')) expect(new URL(String(env['DATABASE_URL'])).hostname).toBe('postgres');
      expect(new URL(String(env['REDIS_URL'])).hostname).toBe('redis');
      expect(env['NODE_ENV']).toBe('production');
    }
  });

  it.each(appServices.map(([n]) => n))(
    '%s: image target, port, healthcheck, hardening and start order agree',
    (name) => {
      const svc = services[name];
      const app = appOf(svc) as AppName;
      const env = parsedEnv(name);
      const port = env[APP_PORTS[app].env];
      expect(svc.build?.context).toBe('.');
      expect(svc.image).toMatch(new RegExp(`^channels/${app}:`));
      expect(svc.healthcheck?.test).toEqual([
        'CMD',
        'node',
        'deploy/docker/healthcheck.mjs',
        APP_PORTS[app].env,
        String(port),
      ]);
      for (const p of svc.ports ?? []) expect(p.split(':').at(-1)).toBe(String(port));
      expect(svc.read_only).toBe(true);
      expect(svc.tmpfs).toContain('/tmp');
      expect(svc.cap_drop).toEqual(['ALL']);
      const deps = svc.depends_on ?? {};
      expect(deps['redis']).toEqual({ condition: 'service_healthy' });
      if (appEnv(app).names.has('DATABASE_URL')) {
        expect(deps['postgres']).toEqual({ condition: 'service_healthy' });
        expect(deps['migrate']).toEqual({ condition: 'service_completed_successfully' });
      }
      // Stopped after its shutdown budget (SHUTDOWN_TIMEOUT_MS + 5 s hard stop), never before.
      expect(durationSeconds(svc.stop_grace_period)).toBeGreaterThanOrEqual(
        (Number(env['SHUTDOWN_TIMEOUT_MS']) + 5_000) / 1000,
      );
      if (app === 'gateway') {
        expect(Number(env['SHUTDOWN_TIMEOUT_MS'])).toBeGreaterThanOrEqual(
          Number(env['DRAIN_WINDOW_MS']) + 5_000,
        );
        expect(env['GATEWAY_ID']).toBe(name);
      }
    },
  );

  it('the migration one-shot gets only the database URL and runs after Postgres is healthy', () => {
    const m = services['migrate'];
    expect(Object.keys(serviceEnv(m))).toEqual(['DATABASE_URL']);
    expect(new URL(serviceEnv(m)['DATABASE_URL']).hostname).toBe('postgres');
    expect(m.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(m.restart).toBe('no');
  });

  it('fails on a value a user must set (interpolation is checked, not assumed)', () => {
    expect(interpolateDefaults('a${X:-b}c$$')).toBe('abc$');
    expect(() => interpolateDefaults('${X:?set X}')).toThrow(/required/);
  });
});

describe('nginx front door (deploy/nginx/nginx.conf)', () => {
  const conf = parseNginxConf(readRepoFile('deploy/nginx/nginx.conf'));
  const http = child(conf, 'http').block;
  const nginx = services['nginx'];
  const sidMap = children(http, 'map').find((m) => m.args[0] === '$arg_sid');
  const upstream = (name: string): NginxDirective => child(http, 'upstream', name);
  const servers = (name: string): string[] => children(upstream(name).block, 'server').map((s) => s.args[0]);
  const location = child(child(http, 'server').block, 'location', '/');
  const gatewayId = (name: string) => String(parsedEnv(name)['GATEWAY_ID']);
  const gatewayAddr = (name: string) => `${name}:${String(parsedEnv(name)['GATEWAY_PORT'])}`;

  it('is mounted by the compose nginx service and published on 8080', () => {
    expect(nginx.volumes).toContain('./deploy/nginx/nginx.conf:/etc/nginx/nginx.conf:ro');
    expect(nginx.ports?.some((p) => /(^|:)8080:8080$/.test(p))).toBe(true);
    const listen = child(child(http, 'server').block, 'listen');
    expect(listen.args[0]).toBe('8080');
    for (const [name] of gateways) expect(nginx.depends_on?.[name]).toEqual({ condition: 'service_healthy' });
  });

  it('routes a request carrying sid=<GATEWAY_ID>.… to that gateway only', () => {
    expect(sidMap).toBeDefined();
    const target = `$${sidMap?.args[1].replace(/^\$/, '')}`;
    expect(child(location.block, 'proxy_pass').args).toEqual([`http://${target}`]);
    for (const [name] of gateways) {
      const routed = evaluateMap(sidMap as NginxDirective, `${gatewayId(name)}.Xy7_kP2-qRs9`);
      expect({ sid: gatewayId(name), servers: servers(routed) }).toEqual({
        sid: gatewayId(name),
        servers: [gatewayAddr(name)],
      });
    }
  });

  it('sends handshakes, websocket-only clients and unknown sids to the whole pool', () => {
    const pool = evaluateMap(sidMap as NginxDirective, '');
    expect(servers(pool).sort()).toEqual(gateways.map(([n]) => gatewayAddr(n)).sort());
    expect(children(upstream(pool).block, 'least_conn')).toHaveLength(1);
    expect(evaluateMap(sidMap as NginxDirective, 'gateway-unknown.abc')).toBe(pool);
    expect(evaluateMap(sidMap as NginxDirective, 'no-dot-here')).toBe(pool);
    // A gateway id that is a prefix of another must not capture the other's sessions.
    expect(evaluateMap(sidMap as NginxDirective, `${gatewayId(gateways[0][0])}0.abc`)).toBe(pool);
  });

  it('re-resolves gateway addresses (restarted containers) through Docker DNS', () => {
    expect(child(http, 'resolver').args[0]).toBe('127.0.0.11');
    for (const u of children(http, 'upstream')) {
      expect(children(u.block, 'zone')).toHaveLength(1);
      for (const s of children(u.block, 'server')) expect(s.args).toContain('resolve');
    }
    // `resolve` in open-source nginx needs 1.27.3 or later.
    const [major, minor] = (nginx.image ?? '')
      .replace(/^nginx:/, '')
      .split(/[.-]/)
      .map(Number);
    expect(major * 1000 + minor).toBeGreaterThanOrEqual(1027);
  });

  it('proxies WebSocket upgrades and keeps idle sockets and held polls open', () => {
    const d = (name: string) => child(location.block, name).args;
    expect(d('proxy_http_version')).toEqual(['1.1']);
    const headers = children(location.block, 'proxy_set_header').map((h) => h.args);
    expect(headers).toContainEqual(['Upgrade', '$http_upgrade']);
    const connVar = headers.find((h) => h[0] === 'Connection')?.[1] ?? '';
    const upgradeMap = children(http, 'map').find(
      (m) => m.args[0] === '$http_upgrade' && `${m.args[1]}` === connVar,
    );
    expect(upgradeMap).toBeDefined();
    expect(evaluateMap(upgradeMap as NginxDirective, 'websocket')).toBe('upgrade');
    const gw = parsedEnv(gateways[0][0]);
    const idleSeconds = (Number(gw['PING_INTERVAL_MS']) + Number(gw['PING_TIMEOUT_MS'])) / 1000;
    expect(parseInt(d('proxy_read_timeout')[0], 10)).toBeGreaterThan(idleSeconds);
    expect(parseInt(d('proxy_send_timeout')[0], 10)).toBeGreaterThan(idleSeconds);
    expect(d('proxy_buffering')).toEqual(['off']);
    const body = /^(\d+)([km]?)$/.exec(d('client_max_body_size')[0]);
    const bytes = body ? Number(body[1]) * { '': 1, k: 1024, m: 1_048_576 }[body[2] as '' | 'k' | 'm'] : 0;
    expect(bytes).toBeGreaterThanOrEqual(Number(gw['MAX_FRAME_BYTES'] ?? gw['MAX_PAYLOAD_BYTES']));
  });

  it('never logs query strings (URL-only clients carry their token there)', () => {
    for (const f of children(http, 'log_format')) {
      expect(f.args.slice(1).join(' ')).not.toMatch(/\$(request|args|query_string|request_uri|arg_)\b/);
    }
    for (const a of children(http, 'access_log')) {
      if (a.args[0] !== 'off') expect(a.args[1]).toBe(children(http, 'log_format')[0]?.args[0]);
    }
  });

  it('parser rejects broken configuration (the checks above can fail)', () => {
    expect(() => parseNginxConf('http { server { listen 8080 } }')).toThrow(/missing ;/);
    expect(() => parseNginxConf('http { server { listen 8080; }')).toThrow(/unbalanced/);
  });
});
