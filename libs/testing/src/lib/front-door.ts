import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { eventually } from './socket-client';
import type { Stack } from './stack';
import { freePort } from './stack';
import { REPO_ROOT } from './test-env';

/** The local front door (tools/front-door) over a stack's gateways, as `npm start` runs it. */
export interface FrontDoor {
  url: string;
  stop(): void;
}

/**
 * Starts the front door over every running gateway of `stack` (and its admin-api when `adminApi`,
 * static files at /demo/ from `demoDir`), and resolves once it answers.
 */
export async function startFrontDoor(
  stack: Stack,
  o: { adminApi?: boolean; demoDir?: string } = {},
): Promise<FrontDoor> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [join(REPO_ROOT, 'tools/front-door/front-door.mjs')], {
    env: {
      ...process.env,
      FRONT_DOOR_PORT: String(port),
      FRONT_DOOR_UPSTREAMS: stack
        .all('gateway')
        .map((g) => `${g.env['GATEWAY_ID']}=${g.url}`)
        .join(','),
      ...(o.adminApi ? { FRONT_DOOR_ADMIN_API: stack.adminUrl } : {}),
      ...(o.demoDir ? { FRONT_DOOR_DEMO_DIR: o.demoDir } : {}),
    },
    stdio: 'ignore',
  });
  await eventually(
    async () => (await fetch(`${url}/front-door/health`).catch(() => null))?.ok === true,
    'front door up',
  );
  return { url, stop: () => child.kill('SIGTERM') };
}
