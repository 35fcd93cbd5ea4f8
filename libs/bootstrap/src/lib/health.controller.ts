import { Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { LifecycleService } from './lifecycle.service';
import { READINESS_CHECKS, type ReadinessCheck } from './tokens';

const CHECK_TIMEOUT_MS = 2_000;

/** `/health/live`: the process runs. `/health/ready`: it can serve (every dependency answers). */
@Controller('health')
export class HealthController {
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
      this.checks.map(async (c) => {
        try {
          await withTimeout(c.check(), CHECK_TIMEOUT_MS);
          return [c.name, 'ok'] as const;
        } catch (e) {
          return [c.name, `down: ${e instanceof Error ? e.message : String(e)}`] as const;
        }
      }),
    );
    const ok = results.every(([, s]) => s === 'ok');
    res
      .status(ok ? 200 : 503)
      .json({ status: ok ? 'ok' : 'unavailable', checks: Object.fromEntries(results) });
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
