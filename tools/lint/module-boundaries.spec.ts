import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The module boundary rules really fail lint on forbidden imports (tags scope:* / type:*, and
 * banned external imports), so the architecture cannot erode silently.
 */
jest.setTimeout(60_000);

describe('module boundaries are enforced by lint', () => {
  const root = join(__dirname, '..', '..');
  beforeAll(() => {
    // The rule needs Nx's project graph; build the cache the way `npm test` does before linting.
    spawnSync(join(root, 'node_modules/.bin/nx'), ['show', 'projects'], {
      cwd: root,
      env: { ...process.env, NX_DAEMON: 'false' },
    });
  });

  /** Lints `code` as if it were `file` (eslint's own CLI, so the real config and project graph apply). */
  const lint = async (
    file: string,
    code: string,
    rule = '@nx/enforce-module-boundaries',
  ): Promise<string[]> => {
    const r = spawnSync(
      process.execPath,
      [
        join(root, 'node_modules/eslint/bin/eslint.js'),
        '--stdin',
        '--stdin-filename',
        join(root, file),
        '--format',
        'json',
      ],
      {
        cwd: root,
        input: code,
        encoding: 'utf8',
      },
    );
    // Anything eslint prints before the JSON (e.g. a skipped-rule warning) would make this throw.
    const [result] = JSON.parse(r.stdout.slice(r.stdout.indexOf('[{'))) as {
      messages: { ruleId: string; message: string }[];
    }[];
    return result.messages.filter((m) => m.ruleId === rule).map((m) => m.message);
  };

  it('forbids framework imports in libs/contracts', async () => {
    const messages = await lint(
      'libs/contracts/src/lib/probe.ts',
      "import { Injectable } from '@nestjs/common';\nexport const x = Injectable;\n",
    );
    expect(messages.join('\n')).toMatch(/@nestjs\/common/);
  });

  it('forbids Prisma outside libs/db', async () => {
    const messages = await lint(
      'libs/messaging/src/lib/probe.ts',
      "import { PrismaClient } from '@prisma/client';\nexport const x = PrismaClient;\n",
    );
    expect(messages.length).toBeGreaterThan(0);
  });

  it('forbids a lower layer importing a higher one (data-access → feature)', async () => {
    const messages = await lint(
      'libs/realtime/src/lib/probe.ts',
      "import { PublishService } from '@channels/messaging';\nexport const x = PublishService;\n",
    );
    expect(messages.join('\n')).toMatch(/messaging/);
  });

  it('keeps NestJS and the data stores out of the CLI', async () => {
    const messages = await lint(
      'apps/cli/src/probe.ts',
      "import { Injectable } from '@nestjs/common';\nimport Redis from 'ioredis';\nexport const x = [Injectable, Redis];\n",
    );
    expect(messages.join('\n')).toMatch(/@nestjs\/common/);
    expect(messages.join('\n')).toMatch(/ioredis/);
  });

  it('allows what the layering allows (app → feature)', async () => {
    expect(
      await lint(
        'apps/gateway/src/probe.ts',
        "import { PublishService } from '@channels/messaging';\nexport const x = PublishService;\n",
      ),
    ).toEqual([]);
  });

  it('keeps server code out of the client SDK, which takes only types from contracts', async () => {
    const server = await lint(
      'libs/client/src/lib/probe.ts',
      "import { PublishService } from '@channels/messaging';\nimport Redis from 'ioredis';\nimport { z } from 'zod';\nexport const x = [PublishService, Redis, z];\n",
    );
    expect(server.join('\n')).toMatch(/type:sdk" can only depend on libs tagged with "type:contracts"/);
    expect(server.join('\n')).toMatch(/ioredis/);
    expect(server.join('\n')).toMatch(/zod/);
    const restricted = (code: string) =>
      lint('libs/client/src/lib/probe.ts', code, '@typescript-eslint/no-restricted-imports');
    expect(
      await restricted("import { ErrorCode } from '@channels/contracts';\nexport const x = ErrorCode;\n"),
    ).toHaveLength(1);
    expect(
      await restricted("import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n"),
    ).toHaveLength(1);
    expect(
      await restricted(
        "import type { ChannelEvent } from '@channels/contracts';\nexport type X = ChannelEvent;\n",
      ),
    ).toEqual([]);
  });
});
