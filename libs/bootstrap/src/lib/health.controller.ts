import { Controller, Get, HttpCode, Inject, Logger, Res } from '@nestjs/common';
import type { Response } from 'express';
import { LifecycleService } from './lifecycle.service';
import { READINESS_CHECKS, type ReadinessCheck } from './tokens';

const CHECK_TIMEOUT_MS = 2_000;

/** A dependency's state as `/health/ready` shows it. */
export type ReadinessState = 'ok' | 'down';

/**
 * `/health/live`: the process runs. `/health/ready`: it can serve (every dependency answers).
 *
 * The readiness answer is public (probes, load balancers, anyone who reaches the port): it names
 * each dependency and its state only — `{"status": "unavailable", "checks": {"postgres": "down",
 * "redis": "ok"}}`. Why a dependency is down (driver messages with hosts, ports, user names) goes to
 * the service's log, once when the dependency goes down or its error changes, and once when it is
 * back, not on every probe.
 */
@Controller('health')
export class HealthController {
  private readonly logger = new Logger(HealthController.name);
  /** The error text each failing dependency last logged; absent while it answers. */
  private readonly failing = new Map<string, string>();

  constructor(
    private readonly lifecycle: LifecycleService,
    @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[],
  ) {}

  @Get('live')
  @HttpCode(200)
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(@Res() res: Response) {
    if (this.lifecycle.isShuttingDown) {
      res.status(503).json({ status: 'shutting_down', checks: {} });
      return;
    }
    const results = await Promise.all(
      this.checks.map(async (c): Promise<readonly [string, ReadinessState]> => {
        try {
          await withTimeout(c.check(), CHECK_TIMEOUT_MS);
          this.answered(c.name);
          return [c.name, 'ok'];
        } catch (e) {
          this.failed(c.name, e);
          return [c.name, 'down'];
        }
      }),
    );
    const ok = results.every(([, s]) => s === 'ok');
    res
      .status(ok ? 200 : 503)
      .json({ status: ok ? 'ok' : 'unavailable', checks: Object.fromEntries(results) });
  }

  private failed(name: string, e: unknown): void {
    const reason = e instanceof Error ? e.message : String(e);
    if (this.failing.get(name) === reason) return;
    this.failing.set(name, reason);
    this.logger.warn(`readiness: ${name} is down: ${reason}`);
  }

  private answered(name: string): void {
    if (!this.failing.delete(name)) return;
    this.logger.log(`readiness: ${name} answers again`);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
