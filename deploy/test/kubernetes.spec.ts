// The Kubernetes manifests as an ops team applies them: every overlay renders offline, every object
// is valid against the Kubernetes API schemas, and the operational invariants hold (probes on the
// real endpoints and ports, limits, non-root and read-only, drain-covering grace periods, images,
// ports and env names that the apps actually read, secrets only from a Secret).
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IService } from 'kubernetes-models/v1/Service';
import { type AppEnv, loadAppEnv } from './support/app-config';
import { schemaProblems, unknownFieldProblems } from './support/k8s-schema';
import {
  COMPONENTS,
  type K8sObject,
  KUSTOMIZE_ROOT,
  OVERLAYS,
  kustomize,
  named,
  ofKind,
  renderOverlay,
  renderWithComponents,
} from './support/kustomize';
import { APPS, APP_PORTS, type AppName, REPO_ROOT } from './support/repo';
import { join } from 'node:path';

/** Settings that must come from the Secret when an app reads them (their defaults are local-only). */
const SECRET_KEYS = ['DATABASE_URL', 'REDIS_URL', 'JWT_SECRET', 'JWT_PUBLIC_KEY'];
/** Values standing in for the Secret's when an app's env is parsed (only their shape matters). */
const SECRET_SAMPLES: Record<string, string> = {
  DATABASE_URL: 'postgresql://channels:pw@db.internal:5432/channels',
  REDIS_URL: 'redis://redis.internal:6379/0',
  JWT_SECRET: 'a-long-enough-sample-secret',
};
const HPA_APPS: AppName[] = ['gateway', 'admin-api', 'persistence-writer'];

const renders: Record<string, K8sObject[]> = {};
const render = (overlay: string): K8sObject[] => (renders[overlay] ??= renderOverlay(overlay));
const envCache: Partial<Record<AppName, AppEnv>> = {};
const appEnv = (app: AppName): AppEnv => (envCache[app] ??= loadAppEnv(app));

const podSpec = (d: IDeployment | IJob): IPodSpec => {
  const spec = d.spec?.template.spec;
  if (!spec) throw new Error(`${d.metadata?.name}: no pod spec`);
  return spec;
};
const mainContainer = (d: IDeployment, app: string): IContainer => {
  const c = podSpec(d).containers.find((x) => x.name === app);
  if (!c) throw new Error(`Deployment ${app} has no container named ${app}`);
  return c;
};
const imageRepo = (image: string): string => image.replace(/[:@][^/]*$/, '');
const imageTag = (image: string): string | undefined => /:([^/:@]+)$/.exec(image)?.[1];

/**
 * The env a container starts with: its ConfigMaps (envFrom) overlaid by explicit `env`. Secret
 * references become `{secret}`, downward-API references `{field}`.
 */
function containerEnv(
  objects: K8sObject[],
  c: IContainer,
): Map<string, string | { secret: string } | { field: string }> {
  const env = new Map<string, string | { secret: string } | { field: string }>();
  for (const src of c.envFrom ?? []) {
    if (src.secretRef)
      throw new Error(`${c.name}: envFrom a Secret hides which keys it sets; use secretKeyRef`);
    const cm = named<IConfigMap>(objects, 'ConfigMap', src.configMapRef?.name ?? '?');
    for (const [k, v] of Object.entries(cm.data ?? {})) env.set(k, v);
  }
  for (const e of c.env ?? []) {
    if (e.valueFrom?.secretKeyRef) env.set(e.name, { secret: e.valueFrom.secretKeyRef.name ?? '' });
    else if (e.valueFrom?.fieldRef) env.set(e.name, { field: e.valueFrom.fieldRef.fieldPath });
    else if (e.valueFrom) throw new Error(`${c.name}: env ${e.name} uses an unsupported source`);
    else env.set(e.name, e.value ?? '');
  }
  return env;
}

/** Parses the container's env with the app's own schema, as the app does at boot. */
function parsedEnv(objects: K8sObject[], app: AppName, d: IDeployment): Record<string, unknown> {
  const sample: Record<string, string> = {};
  for (const [k, v] of containerEnv(objects, mainContainer(d, app))) {
    if (typeof v === 'string') sample[k] = v;
    else if ('field' in v)
      sample[k] = `${d.metadata?.name}-5d8f9c7b6d-x7k2q`; // a pod name
    else if (SECRET_SAMPLES[k]) sample[k] = SECRET_SAMPLES[k];
  }
  const r = appEnv(app).parse(sample);
  if (!r.ok) throw new Error(`${app}'s env as deployed does not pass its own schema: ${r.error}`);
  return r.value;
}

function preStopSleepSeconds(c: IContainer): number {
  const cmd = c.lifecycle?.preStop?.exec?.command;
  if (c.lifecycle?.preStop?.sleep) return c.lifecycle.preStop.sleep.seconds;
  if (!cmd) return 0;
  if (cmd[0] !== 'sleep' || cmd.length !== 2)
    throw new Error(`${c.name}: preStop must be \`sleep <seconds>\``);
  return Number(cmd[1]);
}

const matches = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  !!selector && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

describe('Kubernetes manifests', () => {
  describe.each(OVERLAYS)('overlay %s', (overlay) => {
    it('renders with kubectl kustomize', () => {
      const objects = render(overlay);
      for (const app of APPS) {
        for (const kind of ['Deployment', 'Service', 'ServiceAccount']) {
          expect(objects.filter((o) => o.kind === kind && o.metadata.name === app)).toHaveLength(1);
        }
      }
      expect(named(objects, 'Ingress', 'gateway')).toBeDefined();
      expect(named(objects, 'Job', 'channels-migrate')).toBeDefined();
      const namespaced = objects.filter((o) => o.kind !== 'Namespace');
      expect(new Set(namespaced.map((o) => o.metadata.namespace))).toEqual(
        new Set([overlay === 'production' ? 'channels' : 'channels-dev']),
      );
    });

    it('every object passes Kubernetes schema validation, with no unknown field', () => {
      const objects = render(overlay);
      expect(schemaProblems(objects)).toEqual([]);
      expect(unknownFieldProblems(objects)).toEqual([]);
    });

    describe.each(APPS)('Deployment %s', (app) => {
      const deployment = () => named<IDeployment>(render(overlay), 'Deployment', app);

      it('runs the image built for it, with an explicit tag', () => {
        for (const c of [
          ...podSpec(deployment()).containers,
          ...(podSpec(deployment()).initContainers ?? []),
        ]) {
          const image = c.image ?? '';
          expect(imageRepo(image)).toMatch(new RegExp(`(^|/)channels/${app}$`));
          expect(imageTag(image)).toBeDefined();
          expect(imageTag(image)).not.toBe('latest');
        }
        expect(mainContainer(deployment(), app).command).toBeUndefined(); // the image's CMD starts the app
      });

      it('sets only env variables the app reads, valid for its schema, secrets from the Secret', () => {
        const objects = render(overlay);
        const names = appEnv(app).names;
        const env = containerEnv(objects, mainContainer(deployment(), app));
        const unknown = [...env.keys()].filter((k) => !names.has(k));
        expect(unknown).toEqual([]);
        for (const key of SECRET_KEYS) {
          if (!names.has(key)) continue;
          const v = env.get(key);
          if (key === 'JWT_PUBLIC_KEY' && v === undefined) continue;
          expect({ key, value: v }).toEqual({
            key,
            value: { secret: expect.stringMatching(/^channels-secrets/) },
          });
        }
        expect(() => parsedEnv(objects, app, deployment())).not.toThrow();
      });

      it('listens where its probes, Service, and scrape annotations point', () => {
        const objects = render(overlay);
        const d = deployment();
        const c = mainContainer(d, app);
        const port = parsedEnv(objects, app, d)[APP_PORTS[app].env];
        expect(port).toBe(APP_PORTS[app].port);
        expect(c.ports).toEqual([{ name: 'http', containerPort: port, protocol: 'TCP' }]);
        expect(c.livenessProbe?.httpGet).toEqual({ path: '/health/live', port: 'http' });
        expect(c.readinessProbe?.httpGet).toEqual({ path: '/health/ready', port: 'http' });
        expect(c.startupProbe?.httpGet?.path).toMatch(/^\/health\/(live|ready)$/);
        expect(c.startupProbe?.httpGet?.port).toBe('http');
        const svc = named<IService>(objects, 'Service', app);
        expect(svc.spec?.selector).toEqual(d.spec?.selector.matchLabels);
        expect(svc.spec?.ports).toEqual([{ name: 'http', port, targetPort: 'http', protocol: 'TCP' }]);
        const ann = d.spec?.template.metadata?.annotations ?? {};
        expect(ann).toMatchObject({
          'prometheus.io/scrape': 'true',
          'prometheus.io/port': String(port),
          'prometheus.io/path': '/metrics',
        });
      });

      it('has requests and limits, runs non-root with a read-only root filesystem and no capabilities', () => {
        const spec = podSpec(deployment());
        expect(spec.securityContext?.runAsNonRoot).toBe(true);
        expect(spec.securityContext?.runAsUser).toBeGreaterThan(0);
        expect(spec.securityContext?.seccompProfile?.type).toBe('RuntimeDefault');
        expect(spec.automountServiceAccountToken).toBe(false);
        // Service links would inject e.g. GATEWAY_PORT=tcp://… and override the app's settings.
        expect(spec.enableServiceLinks).toBe(false);
        expect(spec.serviceAccountName).toBe(app);
        for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
          expect(c.resources?.requests).toEqual({ cpu: expect.anything(), memory: expect.anything() });
          expect(c.resources?.limits).toEqual({ cpu: expect.anything(), memory: expect.anything() });
          expect(c.securityContext).toMatchObject({
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          });
        }
        const tmp = mainContainer(deployment(), app).volumeMounts?.find((m) => m.mountPath === '/tmp');
        expect(spec.volumes?.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
      });

      it('gives in-flight work time to finish before it is killed', () => {
        const objects = render(overlay);
        const d = deployment();
        const c = mainContainer(d, app);
        const env = parsedEnv(objects, app, d);
        const shutdownMs = Number(env['SHUTDOWN_TIMEOUT_MS']);
        // The process exits at the latest SHUTDOWN_TIMEOUT_MS + 5 s after SIGTERM, which comes
        // after preStop; the pod is killed at terminationGracePeriodSeconds.
        const needed = preStopSleepSeconds(c) + (shutdownMs + 5_000) / 1000;
        expect(podSpec(d).terminationGracePeriodSeconds ?? 30).toBeGreaterThanOrEqual(needed);
        if (app === 'gateway') {
          // The drain (clients disconnected in batches over DRAIN_WINDOW_MS) runs inside the
          // shutdown budget, with time left to close Redis and the HTTP server.
          expect(shutdownMs).toBeGreaterThanOrEqual(Number(env['DRAIN_WINDOW_MS']) + 5_000);
          // Endpoints/ingress must drop the pod before it stops accepting.
          expect(preStopSleepSeconds(c)).toBeGreaterThanOrEqual(3);
          expect(d.spec?.strategy?.rollingUpdate?.maxUnavailable).toBe(0);
        }
      });

      it('waits for the migrations its image ships before starting, if it uses the database', () => {
        const spec = podSpec(deployment());
        const wait = (spec.initContainers ?? []).find((c) => c.name === 'wait-for-migrations');
        if (!appEnv(app).names.has('DATABASE_URL')) {
          expect(wait).toBeUndefined();
          return;
        }
        expect(wait?.image).toBe(mainContainer(deployment(), app).image);
        expect(wait?.command?.slice(0, 2)).toEqual(['node', 'deploy/docker/wait-for-migrations.mjs']);
        expect(wait?.env).toEqual([
          {
            name: 'DATABASE_URL',
            valueFrom: {
              secretKeyRef: { name: expect.stringMatching(/^channels-secrets/), key: 'DATABASE_URL' },
            },
          },
        ]);
      });

      it('spreads over zones and nodes and has a disruption budget', () => {
        const objects = render(overlay);
        const d = deployment();
        const labels = d.spec?.template.metadata?.labels;
        const spread = podSpec(d).topologySpreadConstraints ?? [];
        expect(spread.map((t) => t.topologyKey).sort()).toEqual([
          'kubernetes.io/hostname',
          'topology.kubernetes.io/zone',
        ]);
        for (const t of spread) expect(matches(t.labelSelector?.matchLabels, labels)).toBe(true);
        const pdbs = ofKind<IPodDisruptionBudget>(objects, 'PodDisruptionBudget').filter((p) =>
          matches(p.spec?.selector?.matchLabels, labels),
        );
        expect(pdbs).toHaveLength(1);
        expect(pdbs[0].spec?.maxUnavailable ?? pdbs[0].spec?.minAvailable).toBeDefined();
      });

      it('is scaled by an HPA (without spec.replicas) where one is specified, else has fixed replicas', () => {
        const objects = render(overlay);
        const hpa = ofKind<IHorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler').filter(
          (h) => h.spec?.scaleTargetRef.kind === 'Deployment' && h.spec.scaleTargetRef.name === app,
        );
        if (HPA_APPS.includes(app)) {
          expect(hpa).toHaveLength(1);
          // A replicas field would reset the pool size on every apply (draining gateways).
          expect(deployment().spec?.replicas).toBeUndefined();
          const spec = hpa[0].spec;
          expect(spec?.minReplicas).toBeGreaterThanOrEqual(app === 'gateway' ? 2 : 1);
          expect(spec?.maxReplicas).toBeGreaterThan(spec?.minReplicas ?? 0);
          expect(spec?.metrics?.some((m) => m.type === 'Resource' && m.resource?.name === 'cpu')).toBe(true);
        } else {
          expect(hpa).toHaveLength(0);
          expect(deployment().spec?.replicas).toBeGreaterThanOrEqual(1);
        }
      });

      it('is isolated by network policies: default deny, egress only to DNS, Redis, (if used) Postgres and (webhooks) HTTP(S)', () => {
        const objects = render(overlay);
        const labels = deployment().spec?.template.metadata?.labels;
        const policies = ofKind<INetworkPolicy>(objects, 'NetworkPolicy').filter((p) =>
          matches(p.spec?.podSelector?.matchLabels, labels),
        );
        expect(
          policies.some(
            (p) =>
              p.spec?.policyTypes?.includes('Ingress') &&
              p.spec.policyTypes.includes('Egress') &&
              !p.spec.ingress &&
              !p.spec.egress,
          ),
        ).toBe(true);
        const egressPorts = policies.flatMap((p) =>
          (p.spec?.egress ?? []).flatMap((r) => (r.ports ?? []).map((x) => x.port)),
        );
        const usesDb = appEnv(app).names.has('DATABASE_URL');
        const expected = usesDb ? [53, 5432, 6379] : [53, 6379];
        // The webhooks service POSTs to the apps' receivers.
        if (app === 'webhooks') expected.push(80, 443);
        expect(new Set(egressPorts)).toEqual(new Set(expected));
        for (const p of policies)
          for (const r of p.spec?.egress ?? []) expect(r.ports?.length).toBeGreaterThan(0);
        // Inbound only to the service port, never "from anywhere".
        for (const p of policies) {
          for (const r of p.spec?.ingress ?? []) {
            expect(r.from?.length).toBeGreaterThan(0);
            expect(r.ports).toEqual([{ protocol: 'TCP', port: 'http' }]);
          }
        }
        const inbound = policies.filter((p) => p.spec?.ingress?.length);
        expect(inbound.length).toBeGreaterThanOrEqual(app === 'gateway' || app === 'admin-api' ? 2 : 1);
      });
    });

    it('runs the migration Job with the migrate image, the Secret and the same hardening', () => {
      const job = named<IJob>(render(overlay), 'Job', 'channels-migrate');
      const spec = podSpec(job);
      expect(spec.restartPolicy).toBe('Never');
      expect(job.spec?.backoffLimit).toBeGreaterThanOrEqual(1);
      expect(spec.containers).toHaveLength(1);
      const c = spec.containers[0];
      expect(imageRepo(c.image ?? '')).toMatch(/(^|\/)channels\/migrate$/);
      expect(imageTag(c.image ?? '')).not.toBe('latest');
      expect(c.command).toEqual(['node', 'scripts/migrate.mjs']);
      expect(c.env).toEqual([
        {
          name: 'DATABASE_URL',
          valueFrom: {
            secretKeyRef: { name: expect.stringMatching(/^channels-secrets/), key: 'DATABASE_URL' },
          },
        },
      ]);
      expect(spec.securityContext?.runAsNonRoot).toBe(true);
      expect(c.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
      });
      expect(c.resources?.limits).toBeDefined();
    });

    it('exposes the gateway pool through an Ingress fit for WebSockets and long-polling', () => {
      const objects = render(overlay);
      const ing = named<IIngress>(objects, 'Ingress', 'gateway');
      const backend = ing.spec?.rules?.[0].http?.paths[0].backend.service;
      expect(backend).toEqual({ name: 'gateway', port: { name: 'http' } });
      const a = ing.metadata?.annotations ?? {};
      const gw = parsedEnv(objects, 'gateway', named<IDeployment>(objects, 'Deployment', 'gateway'));
      const idleMs = Number(gw['PING_INTERVAL_MS']) + Number(gw['PING_TIMEOUT_MS']);
      expect(Number(a['nginx.ingress.kubernetes.io/proxy-read-timeout']) * 1000).toBeGreaterThan(idleMs);
      expect(Number(a['nginx.ingress.kubernetes.io/proxy-send-timeout']) * 1000).toBeGreaterThan(idleMs);
      expect(a['nginx.ingress.kubernetes.io/proxy-buffering']).toBe('off');
      const body = /^(\d+)([km]?)$/.exec(a['nginx.ingress.kubernetes.io/proxy-body-size'] ?? '');
      const bodyBytes = body
        ? Number(body[1]) * { '': 1, k: 1024, m: 1_048_576 }[body[2] as '' | 'k' | 'm']
        : 0;
      expect(bodyBytes).toBeGreaterThanOrEqual(Number(gw['MAX_FRAME_BYTES'] ?? gw['MAX_PAYLOAD_BYTES']));
      // Long-polling stickiness: the affinity cookie (default).
      expect(a['nginx.ingress.kubernetes.io/affinity']).toBe('cookie');
      expect(a['nginx.ingress.kubernetes.io/session-cookie-name']).toBeTruthy();
    });

    it('keeps secrets out of ConfigMaps', () => {
      for (const cm of ofKind<IConfigMap>(render(overlay), 'ConfigMap')) {
        expect(
          Object.keys(cm.data ?? {}).filter(
            (k) => SECRET_KEYS.includes(k) || /SECRET|PASSWORD|TOKEN/.test(k),
          ),
        ).toEqual([]);
      }
    });
  });

  it('production references an existing Secret and never carries one', () => {
    const objects = render('production');
    expect(ofKind(objects, 'Secret')).toEqual([]);
    const refs = new Set(
      ofKind<IDeployment>(objects, 'Deployment').flatMap((d) =>
        podSpec(d).containers.flatMap((c) =>
          (c.env ?? []).flatMap((e) => e.valueFrom?.secretKeyRef?.name ?? []),
        ),
      ),
    );
    expect(refs).toEqual(new Set(['channels-secrets']));
    const images = ofKind<IDeployment>(objects, 'Deployment').flatMap((d) =>
      podSpec(d).containers.map((c) => c.image ?? ''),
    );
    for (const image of images) expect(imageTag(image)).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('the base carries no Secret (overlays provide it)', () => {
    const base = kustomize(join(REPO_ROOT, KUSTOMIZE_ROOT, 'base'));
    expect(ofKind(base, 'Secret')).toEqual([]);
  });

  it('the optional components render on top of production and validate', () => {
    const objects = renderWithComponents('production', COMPONENTS);
    expect(schemaProblems(objects)).toEqual([]);
    expect(unknownFieldProblems(objects)).toEqual([]);
    const sm = named<
      K8sObject & {
        spec: {
          selector: { matchLabels: Record<string, string> };
          endpoints: { port: string; path: string }[];
        };
      }
    >(objects, 'ServiceMonitor', 'channels');
    for (const app of APPS) {
      const svc = named<IService>(objects, 'Service', app);
      expect(matches(sm.spec.selector.matchLabels, svc.metadata?.labels)).toBe(true);
    }
    expect(sm.spec.endpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics' })]);
    const hpa = named<IHorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler', 'gateway');
    expect(hpa.spec?.metrics?.map((m) => m.pods?.metric.name ?? m.resource?.name)).toEqual([
      'cpu',
      'channels_gateway_connections',
    ]);
    const ing = named<IIngress>(objects, 'Ingress', 'gateway');
    const a = ing.metadata?.annotations ?? {};
    expect(a['nginx.ingress.kubernetes.io/upstream-hash-by']).toBe('$arg_DeviceID');
    expect(Object.keys(a).filter((k) => /affinity|session-cookie/.test(k))).toEqual([]);
  });
});
