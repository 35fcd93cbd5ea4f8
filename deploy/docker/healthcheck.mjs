#!/usr/bin/env node
// Container health check: exits 0 when the service on this container answers 200 on
// /health/ready, 1 otherwise (also while a gateway drains, so no new traffic is sent to it).
// Usage: node deploy/docker/healthcheck.mjs <PORT_ENV_NAME> <default port> [path]
const [portEnv, defaultPort, path = '/health/ready'] = process.argv.slice(2);
const port = Number((portEnv && process.env[portEnv]) || defaultPort);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`healthcheck: no valid port (env ${portEnv ?? '?'}, default ${defaultPort ?? '?'})`);
  process.exit(2);
}
try {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(2_500) });
  if (!res.ok) console.error(`healthcheck: ${path} answered ${res.status}: ${await res.text()}`);
  process.exit(res.ok ? 0 : 1);
} catch (e) {
  console.error(`healthcheck: ${path} unreachable: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
