import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './repo';

export const KUSTOMIZE_ROOT = 'deploy/kubernetes';
/** Overlays users apply; each must render on its own. */
export const OVERLAYS = ['dev', 'production'] as const;
/** Optional components (rendered on top of production in the tests). */
export const COMPONENTS = ['servicemonitor', 'gateway-connections-hpa', 'ingress-hash-by-device'] as const;

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

function kubectl(): string {
  return process.env['KUBECTL'] ?? 'kubectl';
}

/** `kubectl kustomize <dir>` parsed into objects; throws with kustomize's own message on failure. */
export function kustomize(absDir: string): K8sObject[] {
  let out: string;
  try {
    out = execFileSync(kubectl(), ['kustomize', absDir], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    const err = e as { code?: string; stderr?: string; message: string };
    if (err.code === 'ENOENT') {
      throw new Error(
        `kubectl is required to render the manifests offline (set KUBECTL to its path): ${err.message}`,
      );
    }
    throw new Error(`kubectl kustomize ${relative(REPO_ROOT, absDir)} failed:\n${err.stderr ?? err.message}`);
  }
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(out)) {
    if (doc.errors.length) throw new Error(`rendered YAML does not parse: ${doc.errors[0].message}`);
    const o = doc.toJS() as K8sObject | null;
    if (o) objects.push(o);
  }
  return objects;
}

export const renderOverlay = (overlay: string): K8sObject[] =>
  kustomize(join(REPO_ROOT, KUSTOMIZE_ROOT, 'overlays', overlay));

/** Renders `overlay` with extra components, as a user's own kustomization would. */
export function renderWithComponents(overlay: string, components: readonly string[]): K8sObject[] {
  const dir = mkdtempSync(join(tmpdir(), 'channels-kustomize-'));
  try {
    const rel = (p: string) => relative(dir, join(REPO_ROOT, KUSTOMIZE_ROOT, p));
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'resources:',
        `  - ${rel(`overlays/${overlay}`)}`,
        'components:',
        ...components.map((c) => `  - ${rel(`components/${c}`)}`),
        '',
      ].join('\n'),
    );
    return kustomize(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const ofKind = <T = K8sObject>(objects: K8sObject[], kind: string): T[] =>
  objects.filter((o) => o.kind === kind) as unknown as T[];

export function named<T = K8sObject>(objects: K8sObject[], kind: string, name: string): T {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} named ${name}, found ${found.length}`);
  return found[0] as unknown as T;
}
