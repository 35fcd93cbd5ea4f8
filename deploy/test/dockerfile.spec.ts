// The container images, checked without a Docker engine: one multi-stage Dockerfile whose targets
// are the four apps and the migration step, non-root, running exactly the built bundle, with a
// build context that holds what the build reads and nothing secret — and a runtime that only
// needs production dependencies.
import { builtinModules } from 'node:module';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { APPS, APP_PORTS, REPO_ROOT, readRepoFile } from './support/repo';

interface Instruction {
  op: string;
  args: string;
  line: number;
}
interface Stage {
  name: string;
  from: string;
  instructions: Instruction[];
}

/** Dockerfile instructions (continuations joined, comments and parser directives dropped). */
function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let l = lines[i];
    if (/^\s*(#|$)/.test(l)) continue;
    while (l.endsWith('\\') && i + 1 < lines.length) {
      l = l.slice(0, -1) + ' ' + lines[++i].replace(/^\s*#.*$/, '');
    }
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(l);
    if (!m) throw new Error(`Dockerfile line ${start + 1}: cannot parse "${l}"`);
    const ins = { op: m[1].toUpperCase(), args: m[2].trim().replace(/\s+/g, ' '), line: start + 1 };
    if (ins.op === 'FROM') {
      const f = /^(?:--platform=\S+ )?(\S+)(?: AS (\S+))?$/i.exec(ins.args);
      if (!f) throw new Error(`Dockerfile line ${ins.line}: bad FROM`);
      stages.push({ from: f[1], name: f[2] ?? `#${stages.length}`, instructions: [] });
    } else if (ins.op !== 'ARG' || stages.length) {
      if (!stages.length) throw new Error(`Dockerfile line ${ins.line}: ${ins.op} before FROM`);
      stages[stages.length - 1].instructions.push(ins);
    }
  }
  return stages;
}

const stages = parseDockerfile(readRepoFile('Dockerfile'));
const stage = (name: string): Stage => {
  const s = stages.find((x) => x.name === name);
  if (!s) throw new Error(`Dockerfile has no stage "${name}"`);
  return s;
};
/** A stage and the stages it is built FROM, nearest first. */
const lineage = (name: string): Stage[] => {
  const s = stage(name);
  return stages.some((x) => x.name === s.from) ? [s, ...lineage(s.from)] : [s];
};
/** The value an instruction has in the image of `target` (the nearest one wins). */
const effective = (target: string, op: string): Instruction | undefined => {
  for (const s of lineage(target)) {
    const found = s.instructions.filter((i) => i.op === op);
    if (found.length) return found[found.length - 1];
  }
  return undefined;
};
const all = (target: string, op: string): Instruction[] =>
  lineage(target).flatMap((s) => s.instructions.filter((i) => i.op === op));
const execForm = (i: Instruction | undefined): string[] => JSON.parse(i?.args ?? 'null') as string[];

/** Docker's .dockerignore semantics: the last matching pattern wins; `!` re-includes. */
function dockerIgnored(path: string, patterns: string[]): boolean {
  const toRe = (p: string) => {
    const glob: Record<string, string> = { '**/': '(?:.*/)?', '**': '.*', '*': '[^/]*', '?': '[^/]' };
    const body = p
      .replace(/\/+$/, '')
      .split(/(\*\*\/|\*\*|\*|\?)/)
      .map((part) => glob[part] ?? part.replace(/[.+^${}()|[\]\\]/g, '\\$&'))
      .join('');
    return new RegExp(`^${body}$`);
  };
  const parents = path.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const raw of patterns) {
    const neg = raw.startsWith('!');
    const re = toRe(neg ? raw.slice(1) : raw);
    if (parents.some((p) => re.test(p))) ignored = !neg;
  }
  return ignored;
}
const ignorePatterns = readRepoFile('.dockerignore')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

describe('Dockerfile', () => {
  it('has a target per app and one for the migration step, sharing one build', () => {
    for (const target of [...APPS, 'migrate']) expect(stage(target)).toBeDefined();
    expect(stage('build').from).toMatch(/NODE_IMAGE|^node:/);
    // Every image is the runtime stage plus its own bundle: multi-stage, nothing from the build
    // stage but dist/apps/<app> (and, for admin-api, the dashboard it serves).
    for (const app of APPS) {
      expect(lineage(app).map((s) => s.name)).toEqual([app, 'runtime']);
      const fromBuild = all(app, 'COPY').filter((c) => c.args.includes('--from=build'));
      expect(fromBuild.map((c) => c.args)).toEqual([
        `--from=build /src/dist/apps/${app} ./dist/apps/${app}`,
        ...(app === 'admin-api' ? ['--from=build /src/dist/apps/dashboard ./dist/apps/dashboard'] : []),
      ]);
    }
  });

  it('builds the apps with the project build and checks every bundle exists', () => {
    const run = stage('build')
      .instructions.filter((i) => i.op === 'RUN')
      .map((i) => i.args)
      .join(' && ');
    expect(run).toMatch(/node scripts\/prisma-generate\.mjs/);
    expect(run).toMatch(/nx run-many -t build --projects=tag:type:app/);
    for (const app of APPS) expect(run).toContain(`test -f dist/apps/${app}/main.js`);
    expect(run).toContain('test -f dist/apps/dashboard/index.html');
  });

  it.each(APPS)(
    '%s image runs its bundle as a non-root user, exposes its port and checks its health',
    (app) => {
      const user = effective(app, 'USER')?.args ?? 'root';
      expect(user).toMatch(/^[1-9]\d*(:[1-9]\d*)?$/); // numeric, so runAsNonRoot can verify it
      expect(execForm(effective(app, 'CMD'))).toEqual(['node', `dist/apps/${app}/main.js`]);
      expect(effective(app, 'ENTRYPOINT')).toBeUndefined();
      expect(effective(app, 'EXPOSE')?.args).toBe(String(APP_PORTS[app].port));
      const hc = effective(app, 'HEALTHCHECK')?.args ?? '';
      expect(execForm({ op: 'CMD', line: 0, args: hc.slice(hc.indexOf('CMD ') + 4) })).toEqual([
        'node',
        'deploy/docker/healthcheck.mjs',
        APP_PORTS[app].env,
        String(APP_PORTS[app].port),
      ]);
      expect(effective(app, 'ENV')?.args).toContain('NODE_ENV=production');
    },
  );

  it('the migrate image runs scripts/migrate.mjs and every image ships the migrations', () => {
    expect(execForm(effective('migrate', 'CMD'))).toEqual(['node', 'scripts/migrate.mjs']);
    const copies = all('runtime', 'COPY').map((c) => c.args);
    expect(copies).toEqual(
      expect.arrayContaining([
        'prisma/migrations ./prisma/migrations',
        'scripts/migrate.mjs ./scripts/migrate.mjs',
        expect.stringMatching(
          /^deploy\/docker\/healthcheck\.mjs deploy\/docker\/wait-for-migrations\.mjs \.\/deploy\/docker\/$/,
        ),
      ]),
    );
  });

  it('installs only production dependencies into the runtime images', () => {
    const copies = all('runtime', 'COPY').filter((c) => c.args.includes('node_modules'));
    expect(copies.map((c) => c.args)).toEqual(['--from=prod-deps /app/node_modules ./node_modules']);
    const install = stage('prod-deps')
      .instructions.filter((i) => i.op === 'RUN')
      .map((i) => i.args)
      .join(' ');
    expect(install).toMatch(/npm pkg delete devDependencies/);
    expect(install).toMatch(/npm install --omit=dev/);
  });

  it('copies only files that exist and that the build context (.dockerignore) lets through', () => {
    const sources = stages.flatMap((s) =>
      s.instructions
        .filter((i) => i.op === 'COPY' && !i.args.includes('--from='))
        .flatMap((i) =>
          i.args
            .replace(/--\S+ /g, '')
            .split(' ')
            .slice(0, -1),
        ),
    );
    expect(sources.length).toBeGreaterThan(3);
    for (const src of sources.filter((s) => s !== '.')) {
      expect({ src, exists: existsSync(join(REPO_ROOT, src)) }).toEqual({ src, exists: true });
      expect({ src, ignored: dockerIgnored(src, ignorePatterns) }).toEqual({ src, ignored: false });
    }
    // What `COPY . .` and the build read must be in the context...
    for (const needed of [
      'package.json',
      'package-lock.json',
      'nx.json',
      'tsconfig.base.json',
      'webpack.app.js',
      'scripts/prisma-generate.mjs',
      'scripts/schema-engine-stub.sh',
      'prisma/schema.prisma',
      'libs/db/src/index.ts',
      ...APPS.map((a) => `apps/${a}/src/main.ts`),
      ...APPS.map((a) => `apps/${a}/project.json`),
      'apps/dashboard/project.json',
      'apps/dashboard/index.html',
      'apps/dashboard/vite.config.mts',
      'apps/dashboard/src/main.tsx',
    ]) {
      expect({ needed, ignored: dockerIgnored(needed, ignorePatterns) }).toEqual({ needed, ignored: false });
    }
    // ...and secrets, local builds and dependencies must not.
    for (const kept of [
      '.env',
      '.git/config',
      'node_modules/pg/package.json',
      'dist/apps/gateway/main.js',
      'apps/gateway/node_modules/x',
      'libs/db/src/generated/prisma/client.ts',
      'apps/dashboard/src/app/apps/apps-page.spec.tsx',
    ]) {
      expect({ kept, ignored: dockerIgnored(kept, ignorePatterns) }).toEqual({ kept, ignored: true });
    }
  });
});

describe('runtime dependencies', () => {
  const pkg = JSON.parse(readRepoFile('package.json')) as { dependencies: Record<string, string> };
  const builtins = new Set(builtinModules);
  const aliases = (
    JSON.parse(readRepoFile('tsconfig.base.json')) as { compilerOptions: { paths: Record<string, string[]> } }
  ).compilerOptions.paths;

  /** Module specifiers a file loads at run time (`import type` is erased by the build). */
  function valueImports(file: string): string[] {
    const text = readFileSync(join(REPO_ROOT, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, '');
    const specs: string[] = [];
    const re =
      /(?:^|[\s;])(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]|(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text))) if (!m[1]) specs.push(m[2] ?? m[3]);
    return specs;
  }

  function resolveLocal(from: string, spec: string): string {
    const base = spec.startsWith('.') ? join(REPO_ROOT, from, '..', spec) : join(REPO_ROOT, aliases[spec][0]);
    for (const cand of [base, `${base}.ts`, `${base}.mjs`, `${base}.js`, join(base, 'index.ts')]) {
      if (existsSync(cand) && statSync(cand).isFile()) return relative(REPO_ROOT, cand);
    }
    throw new Error(`${from}: cannot resolve ${spec}`);
  }

  /** External packages reachable from `entry` through its imports (what the bundle requires). */
  function externalPackages(entry: string): Map<string, string> {
    const out = new Map<string, string>(); // package → first file importing it
    const seen = new Set<string>();
    const todo = [entry];
    while (todo.length) {
      const file = todo.pop() as string;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const spec of valueImports(file)) {
        if (spec.startsWith('.') || aliases[spec]) {
          if (!file.includes('/generated/')) todo.push(resolveLocal(file, spec));
          continue;
        }
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
        if (spec.startsWith('node:') || builtins.has(name)) continue;
        if (!out.has(name)) out.set(name, file);
      }
    }
    return out;
  }

  it.each(APPS)('every package the %s image loads is a production dependency', (app) => {
    const externals = externalPackages(`apps/${app}/src/main.ts`);
    expect(externals.size).toBeGreaterThan(3);
    const missing = [...externals]
      .filter(([p]) => !pkg.dependencies[p])
      .map(([p, f]) => `${p} (imported by ${f})`);
    expect(missing).toEqual([]);
  });

  it('the scripts shipped in the images need only production dependencies', () => {
    for (const f of [
      'scripts/migrate.mjs',
      'deploy/docker/wait-for-migrations.mjs',
      'deploy/docker/healthcheck.mjs',
    ]) {
      for (const [p] of externalPackages(f))
        expect({ f, p, dep: !!pkg.dependencies[p] }).toEqual({ f, p, dep: true });
    }
    // The bundled Prisma client needs its runtime and the pg adapter, no engine.
    expect(Object.keys(pkg.dependencies)).toEqual(
      expect.arrayContaining(['@prisma/client', '@prisma/adapter-pg', 'pg']),
    );
  });

  it('the import scanner follows value imports and ignores type-only ones', () => {
    expect([...externalPackages('deploy/docker/wait-for-migrations.mjs').keys()]).toEqual(['pg']);
    expect(valueImports('deploy/test/support/kustomize.ts')).toEqual(
      expect.arrayContaining(['node:child_process', 'yaml', './repo']),
    );
  });
});
