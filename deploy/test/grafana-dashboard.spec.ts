// The Grafana dashboard shipped under deploy/grafana and the metric the gateway HPA component scales
// on: every metric they query is one the services really export (the apps' own metric
// definitions, or prom-client's default process metrics every service registers).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { REPO_ROOT, readRepoFile } from './support/repo';

interface Panel {
  type: string;
  title: string;
  id: number;
  datasource?: { type: string; uid: string };
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: { expr: string; refId: string; datasource?: { uid: string } }[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; type: string }[] };
}

const PROMQL_WORDS = new Set(
  (
    'sum min max avg count stddev stdvar topk bottomk quantile count_values group by without on ignoring ' +
    'group_left group_right bool and or unless offset rate irate increase delta idelta deriv histogram_quantile ' +
    'label_replace label_join abs ceil floor round clamp clamp_min clamp_max time vector scalar sort sort_desc ' +
    'absent absent_over_time avg_over_time max_over_time min_over_time sum_over_time count_over_time ' +
    'quantile_over_time last_over_time predict_linear resets changes timestamp le'
  ).split(' '),
);

/** Metric names a PromQL expression selects (label matchers, groupings and functions removed). */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = stripped.match(/[A-Za-z_:][A-Za-z0-9_:]*/g) ?? [];
  return [...new Set(names.filter((n) => !PROMQL_WORDS.has(n) && !/^\d/.test(n)))];
}

/** Metric names defined in the services' code (`name: '<metric>'` of prom-client metrics). */
function definedMetrics(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const n of readdirSync(dir)) {
      const p = join(dir, n);
      if (statSync(p).isDirectory()) {
        if (n !== 'node_modules' && n !== 'generated') walk(p);
      } else if (n.endsWith('.ts') && !/\.(spec|integration-spec|e2e-spec)\.ts$/.test(n)) {
        const text = readFileSync(p, 'utf8');
        if (!/from 'prom-client'/.test(text)) continue;
        for (const m of text.matchAll(/name:\s*'([a-zA-Z_:][a-zA-Z0-9_:]*)'/g)) names.add(m[1]);
      }
    }
  };
  walk(join(REPO_ROOT, 'apps'));
  walk(join(REPO_ROOT, 'libs'));
  return names;
}

async function defaultMetrics(): Promise<Set<string>> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const names = (await registry.getMetricsAsJSON()).map((m) => m.name);
  registry.clear();
  return new Set(names);
}

/** A histogram is queried through its _bucket/_count/_sum series. */
const baseName = (n: string): string[] => [n, n.replace(/_(bucket|count|sum)$/, '')];

describe('Grafana dashboard (deploy/grafana/channels-dashboard.json)', () => {
  const dashboard = JSON.parse(readRepoFile('deploy/grafana/channels-dashboard.json')) as Dashboard;
  const panels = dashboard.panels.filter((p) => p.type !== 'row');

  it('is importable: uid, datasource variable, unique panel ids, panels inside the 24-column grid', () => {
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    expect(dashboard.templating.list.find((v) => v.name === 'datasource')?.type).toBe('datasource');
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) {
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      expect(p.gridPos.h).toBeGreaterThan(0);
    }
    // No two panels overlap.
    const cells = new Set<string>();
    for (const p of dashboard.panels) {
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          const cell = `${x},${y}`;
          expect({ panel: p.title, cell, taken: cells.has(cell) }).toEqual({
            panel: p.title,
            cell,
            taken: false,
          });
          cells.add(cell);
        }
      }
    }
    for (const p of panels) {
      expect(p.datasource?.uid).toBe('${datasource}');
      expect(p.targets?.length).toBeGreaterThan(0);
    }
  });

  it('queries only metrics the services export', async () => {
    const known = new Set([...definedMetrics(), ...(await defaultMetrics()), 'up']);
    const unknown = panels.flatMap((p) =>
      (p.targets ?? []).flatMap((t) =>
        metricNames(t.expr)
          .filter((n) => !baseName(n).some((b) => known.has(b)))
          .map((n) => `${p.title}: ${n}`),
      ),
    );
    expect(unknown).toEqual([]);
    // It covers every service.
    const used = panels.flatMap((p) => (p.targets ?? []).flatMap((t) => metricNames(t.expr)));
    for (const prefix of ['channels_gateway_', 'channels_writer_', 'presence_', 'admin_api_', 'process_']) {
      expect(used.some((n) => n.startsWith(prefix))).toBe(true);
    }
  });

  it('the connections metric the gateway HPA component scales on is exported by the gateway', () => {
    const component = readRepoFile('deploy/kubernetes/components/gateway-connections-hpa/kustomization.yaml');
    const metric = /metric:\s*\n\s*name:\s*(\S+)/.exec(component)?.[1] ?? '';
    expect(metric).toBe('channels_gateway_connections');
    expect(definedMetrics().has(metric)).toBe(true);
  });

  it('extracts metric names from PromQL (the check above can fail)', () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (le, route) (rate(foo_seconds_bucket{namespace=~"a|b"}[5m])))',
      ),
    ).toEqual(['foo_seconds_bucket']);
    expect(metricNames('max(x_total) / on (pod) group_left y')).toEqual(['x_total', 'y']);
  });
});
