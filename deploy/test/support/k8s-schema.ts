import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import type { K8sObject } from './kustomize';
import { REPO_ROOT } from './repo';

/** Runtime schema validation (types, required fields, enums, formats) through kubernetes-models. */
export function schemaProblems(objects: K8sObject[]): string[] {
  // kustomize wraps long base64 Secret values over several lines; the API server's decoder
  // ignores the line breaks, the schema's `byte` format does not.
  const normalized = objects.map((o) =>
    o.kind === 'Secret' && o['data']
      ? {
          ...o,
          data: Object.fromEntries(
            Object.entries(o['data'] as Record<string, string>).map(([k, v]) => [k, v.replace(/\s+/g, '')]),
          ),
        }
      : o,
  );
  const out = execFileSync(process.execPath, [join(__dirname, 'validate-k8s.mjs')], {
    input: JSON.stringify(normalized),
    encoding: 'utf8',
    cwd: REPO_ROOT,
  });
  return JSON.parse(out) as string[];
}

function typeModule(o: K8sObject): string {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  if (group === 'monitoring.coreos.com') {
    return `@kubernetes-models/prometheus-operator/${group}/${version}/${o.kind}`;
  }
  return `kubernetes-models/${group ? `${group}/` : ''}${version}/${o.kind}`;
}

/**
 * Unknown-field check: the API server rejects (or, with lax validation, silently drops) fields
 * it does not know, e.g. a misspelled `readinesProbe`; JSON-schema validation above does not
 * catch those. Each object is type-checked as an object literal against its kubernetes-models
 * interface, so TypeScript's excess-property check names every unknown field.
 */
export function unknownFieldProblems(objects: K8sObject[]): string[] {
  const dir = join(REPO_ROOT, 'tmp');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `k8s-typecheck-${process.pid}-${Date.now()}.ts`);
  const lines = objects.map(
    (o, i) =>
      `// ${o.kind}/${o.metadata.name}\nexport const o${i}: import('${typeModule(o)}').I${o.kind} = ${JSON.stringify(o, null, 1)};`,
  );
  writeFileSync(file, lines.join('\n') + '\n');
  try {
    const program = ts.createProgram([file], {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      target: ts.ScriptTarget.ES2022,
      types: [],
    });
    return ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file?.fileName === file || !d.file)
      .map((d) => {
        const msg = ts.flattenDiagnosticMessageText(d.messageText, ' ');
        if (!d.file || d.start === undefined) return msg;
        const text = d.file.getFullText();
        const header = text.lastIndexOf('\n// ', d.start);
        const id = text.slice(header + 4, text.indexOf('\n', header + 1));
        return `${id}: ${msg}`;
      });
  } finally {
    rmSync(file, { force: true });
  }
}
