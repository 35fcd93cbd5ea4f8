import { parse } from 'yaml';
import { readRepoFile } from './repo';

export interface ComposeService {
  image?: string;
  build?: { context: string; target?: string; dockerfile?: string };
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null>;
  ports?: string[];
  volumes?: string[];
  tmpfs?: string[];
  read_only?: boolean;
  cap_drop?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
  restart?: string;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/**
 * Compose's variable interpolation with an empty environment: `${VAR:-default}` and
 * `${VAR-default}` become the default, `${VAR}` becomes empty, `${VAR:?message}` fails (a value
 * the user must provide), `$$` is a literal `$`.
 */
export function interpolateDefaults(value: string): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (m, name, _colon, op, arg) => {
      if (m === '$$') return '$';
      if (op === '?') throw new Error(`\${${name}} is required (${arg})`);
      if (op === '-') return arg ?? '';
      return '';
    },
  );
}

function interpolateDeep(v: unknown): unknown {
  if (typeof v === 'string') return interpolateDefaults(v);
  if (Array.isArray(v)) return v.map(interpolateDeep);
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, interpolateDeep(x)]));
  return v;
}

/** docker-compose.yml as Compose resolves it: YAML merge keys applied, defaults interpolated. */
export function loadCompose(relPath = 'docker-compose.yml'): ComposeFile {
  const raw = parse(readRepoFile(relPath), { merge: true }) as ComposeFile;
  return interpolateDeep(raw) as ComposeFile;
}

/** A service's environment as strings (compose passes every value as a string). */
export function serviceEnv(svc: ComposeService): Record<string, string> {
  return Object.fromEntries(
    Object.entries(svc.environment ?? {}).map(([k, v]) => [k, v === null ? '' : String(v)]),
  );
}

/** Seconds of a compose duration such as `40s`, `1m30s`, `500ms`. */
export function durationSeconds(d: string | undefined): number {
  if (!d) return 10; // compose's default stop grace period
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let m: RegExpExecArray | null;
  let consumed = '';
  while ((m = re.exec(d))) {
    consumed += m[0];
    total += Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  }
  if (consumed !== d) throw new Error(`unsupported duration ${d}`);
  return total;
}
