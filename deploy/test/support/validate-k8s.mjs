// Validates Kubernetes objects (JSON array on stdin) against the OpenAPI schemas shipped in
// `kubernetes-models` (and `@kubernetes-models/prometheus-operator` for ServiceMonitor).
// Prints a JSON array of problems ("<kind>/<name>: <path> <message>"); empty means all valid.
// A child process because these packages are ESM-only.
import { readFileSync } from 'node:fs';

const objects = JSON.parse(readFileSync(0, 'utf8'));
const problems = [];
for (const o of objects) {
  const id = `${o.kind}/${o.metadata?.name ?? '?'}`;
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  const spec =
    group === 'monitoring.coreos.com'
      ? `@kubernetes-models/prometheus-operator/${group}/${version}/${o.kind}`
      : `kubernetes-models/${group ? `${group}/` : ''}${version}/${o.kind}`;
  let Model;
  try {
    Model = (await import(spec))[o.kind];
  } catch {
    problems.push(`${id}: no schema for ${o.apiVersion} ${o.kind}`);
    continue;
  }
  try {
    new Model(o).validate();
  } catch (e) {
    const errors = e.errors ?? [{ instancePath: '', message: e.message }];
    for (const err of errors) problems.push(`${id}: ${err.instancePath || '/'} ${err.message}`);
  }
}
process.stdout.write(JSON.stringify(problems));
