import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';

const noFrameworks = [
  '@nestjs/*',
  '@prisma/*',
  'ioredis',
  'redis',
  'socket.io',
  'socket.io-client',
  '@socket.io/*',
  'bullmq',
  'pg',
  'express',
];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  prettier,
  {
    ignores: ['**/dist', '**/node_modules', '**/generated/**', '.nx', 'tmp', 'coverage', 'bench/**/*.mjs'],
  },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          banTransitiveDependencies: false,
          allow: [],
          depConstraints: [
            // Layers (type axis): apps → feature → data-access → util → contracts.
            {
              sourceTag: 'type:app',
              // type:sdk: a web app's live views use the client SDK (its scope rule must allow scope:client).
              onlyDependOnLibsWithTags: [
                'type:sdk',
                'type:feature',
                'type:data-access',
                'type:db',
                'type:util',
                'type:contracts',
              ],
              bannedExternalImports: ['@prisma/*'],
            },
            {
              sourceTag: 'type:feature',
              onlyDependOnLibsWithTags: ['type:data-access', 'type:db', 'type:util', 'type:contracts'],
              bannedExternalImports: ['@prisma/*', 'socket.io'],
            },
            {
              sourceTag: 'type:data-access',
              onlyDependOnLibsWithTags: ['type:util', 'type:contracts'],
              bannedExternalImports: ['@prisma/*'],
            },
            { sourceTag: 'type:db', onlyDependOnLibsWithTags: ['type:contracts'] },
            {
              sourceTag: 'type:util',
              onlyDependOnLibsWithTags: ['type:util', 'type:contracts'],
              bannedExternalImports: ['@prisma/*'],
            },
            {
              sourceTag: 'type:contracts',
              onlyDependOnLibsWithTags: ['type:contracts'],
              bannedExternalImports: noFrameworks,
            },
            // The client SDK runs in users' apps and browsers: wire types from contracts only (type
            // imports, inlined into its .d.ts), socket.io-client, and nothing server-side.
            {
              sourceTag: 'type:sdk',
              onlyDependOnLibsWithTags: ['type:contracts'],
              bannedExternalImports: [
                ...noFrameworks.filter((p) => p !== 'socket.io-client'),
                'zod',
                'jsonwebtoken',
              ],
            },
            {
              sourceTag: 'type:testing',
              onlyDependOnLibsWithTags: ['type:util', 'type:contracts'],
              bannedExternalImports: ['@prisma/*'],
            },
            // Ownership (scope axis): an app's code may use shared libs and its own scope only.
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:gateway', onlyDependOnLibsWithTags: ['scope:gateway', 'scope:shared'] },
            { sourceTag: 'scope:admin-api', onlyDependOnLibsWithTags: ['scope:admin-api', 'scope:shared'] },
            { sourceTag: 'scope:writer', onlyDependOnLibsWithTags: ['scope:writer', 'scope:shared'] },
            { sourceTag: 'scope:presence', onlyDependOnLibsWithTags: ['scope:presence', 'scope:shared'] },
            // The dashboard runs in the browser: wire types, admin-api over HTTP and the gateways
            // through the client SDK only (never server frameworks, storage clients or raw sockets).
            {
              sourceTag: 'scope:dashboard',
              onlyDependOnLibsWithTags: ['scope:dashboard', 'scope:client', 'scope:shared'],
              bannedExternalImports: [
                '@nestjs/*',
                '@prisma/*',
                'ioredis',
                'redis',
                'bullmq',
                'pg',
                'express',
                'socket.io',
                'socket.io-client',
              ],
            },
            { sourceTag: 'scope:webhooks', onlyDependOnLibsWithTags: ['scope:webhooks', 'scope:shared'] },
            { sourceTag: 'scope:client', onlyDependOnLibsWithTags: ['scope:client', 'scope:shared'] },
            // The CLI starts in a blink and talks to the system only over HTTP and socket.io.
            {
              sourceTag: 'scope:cli',
              onlyDependOnLibsWithTags: ['scope:cli', 'scope:shared'],
              bannedExternalImports: [
                '@nestjs/*',
                '@prisma/*',
                'ioredis',
                'redis',
                'bullmq',
                'pg',
                'express',
              ],
            },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // The SDK takes only types from contracts (a value import would bundle zod into users' apps)
    // and no Node built-ins (it runs in browsers).
    files: ['libs/client/src/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.testing.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@channels/contracts',
              allowTypeImports: true,
              message: 'the client SDK may import only types from @channels/contracts (use `import type`)',
            },
          ],
          patterns: [{ group: ['node:*'], message: 'the client SDK runs in browsers: no Node built-ins' }],
        },
      ],
    },
  },
  {
    files: [
      '**/*.spec.ts',
      '**/*.spec.tsx',
      '**/*.integration-spec.ts',
      '**/*.e2e-spec.ts',
      'test/**/*.ts',
      'libs/testing/**/*.ts',
    ],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
];
