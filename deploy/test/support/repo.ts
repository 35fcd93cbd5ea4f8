import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Repository root (tests run from anywhere). */
export const REPO_ROOT = join(__dirname, '..', '..', '..');

/** The five deployables, as named in apps/, images, compose services and Deployments. */
export const APPS = ['gateway', 'admin-api', 'persistence-writer', 'presence', 'webhooks'] as const;
export type AppName = (typeof APPS)[number];

/** The env variable each app reads its listening port from, and the contract's default port. */
export const APP_PORTS: Record<AppName, { env: string; port: number }> = {
  gateway: { env: 'GATEWAY_PORT', port: 3001 },
  'admin-api': { env: 'ADMIN_API_PORT', port: 3000 },
  'persistence-writer': { env: 'WRITER_PORT', port: 3100 },
  presence: { env: 'PRESENCE_PORT', port: 3200 },
  webhooks: { env: 'WEBHOOKS_PORT', port: 3300 },
};

export function readRepoFile(relPath: string): string {
  const file = join(REPO_ROOT, relPath);
  if (!existsSync(file)) throw new Error(`${relPath} does not exist`);
  return readFileSync(file, 'utf8');
}
