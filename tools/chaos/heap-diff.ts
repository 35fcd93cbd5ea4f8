/**
 * Compares two heap snapshots of the same process (e.g. the soak's `--heap-snapshots`, taken at the
 * end of the warm-up and at the end): object counts and sizes grouped by constructor or kind, the
 * groups that grew the most first. What a leak looks like: a group whose count keeps rising with
 * the traffic (connections, channels, timers, listeners…).
 *
 *   node -r ./bench/writer/ts-register.cjs tools/chaos/heap-diff.ts A.heapsnapshot B.heapsnapshot [--top=25]
 */
import { readFileSync } from 'node:fs';

export interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export interface Group {
  count: number;
  bytes: number;
}

const STRING_TYPES = new Set(['string', 'concatenated string', 'sliced string']);

/** Counts and self sizes of a snapshot's nodes, by constructor name (objects) or by kind. */
export function groupSnapshot(s: Snapshot): Map<string, Group> {
  const f = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const width = f.length;
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((k) => f.indexOf(k));
  const groups = new Map<string, Group>();
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + iType]];
    const name = s.strings[s.nodes[i + iName]];
    const key =
      type === 'object' || type === 'closure' || type === 'native' || type === 'array' || type === 'hidden'
        ? `${type} ${name.slice(0, 80)}`
        : STRING_TYPES.has(type)
          ? '(strings)'
          : `(${type})`;
    const g = groups.get(key) ?? { count: 0, bytes: 0 };
    g.count++;
    g.bytes += s.nodes[i + iSize];
    groups.set(key, g);
  }
  return groups;
}

export function diffGroups(
  a: Map<string, Group>,
  b: Map<string, Group>,
): { key: string; count: number; dCount: number; bytes: number; dBytes: number }[] {
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys]
    .map((key) => {
      const x = a.get(key) ?? { count: 0, bytes: 0 };
      const y = b.get(key) ?? { count: 0, bytes: 0 };
      return { key, count: y.count, dCount: y.count - x.count, bytes: y.bytes, dBytes: y.bytes - x.bytes };
    })
    .sort((p, q) => q.dBytes - p.dBytes || q.dCount - p.dCount);
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const files = args.filter((a) => !a.startsWith('--'));
  const top = Number(/^--top=(\d+)$/.exec(args.find((a) => a.startsWith('--top=')) ?? '')?.[1] ?? 25);
  if (files.length !== 2) {
    console.error('usage: heap-diff.ts A.heapsnapshot B.heapsnapshot [--top=25]');
    process.exit(2);
  }
  const [a, b] = files.map((file) => groupSnapshot(JSON.parse(readFileSync(file, 'utf8')) as Snapshot));
  const total = (g: Map<string, Group>) =>
    [...g.values()].reduce((t, x) => ({ count: t.count + x.count, bytes: t.bytes + x.bytes }), {
      count: 0,
      bytes: 0,
    });
  const [ta, tb] = [total(a), total(b)];
  const kib = (n: number) => (n / 1024).toFixed(1);
  console.log(
    `total: ${ta.count} → ${tb.count} nodes (${tb.count - ta.count >= 0 ? '+' : ''}${tb.count - ta.count}), ${kib(ta.bytes)} → ${kib(tb.bytes)} KiB (${tb.bytes - ta.bytes >= 0 ? '+' : ''}${kib(tb.bytes - ta.bytes)})\n`,
  );
  const rows = diffGroups(a, b).filter((r) => r.dCount !== 0 || r.dBytes !== 0);
  const show = (title: string, list: typeof rows) => {
    console.log(title);
    for (const r of list)
      console.log(
        `  ${(r.dBytes >= 0 ? '+' : '') + kib(r.dBytes)} KiB`.padEnd(16) +
          `${(r.dCount >= 0 ? '+' : '') + r.dCount}`.padStart(8) +
          ` (now ${r.count}, ${kib(r.bytes)} KiB)  ${r.key}`,
      );
  };
  show('grew the most (bytes):', rows.slice(0, top));
  show('\nshrank the most (bytes):', rows.slice().reverse().slice(0, Math.min(10, top)));
}
