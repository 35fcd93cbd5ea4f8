import { Logger } from '@nestjs/common';
import type { Response } from 'express';
import { HealthController } from './health.controller';
import { LifecycleService } from './lifecycle.service';
import type { ReadinessCheck } from './tokens';

/** What `ready` answered: the status code and the JSON body. */
const answer = async (controller: HealthController) => {
  let status = 0;
  let body: unknown;
  const res = {
    status(code: number) {
      status = code;
      return res;
    },
    json(b: unknown) {
      body = b;
      return res;
    },
  };
  await controller.ready(res as unknown as Response);
  return { status, body, text: JSON.stringify(body) };
};

describe('readiness', () => {
  const driverError = 'connect ECONNREFUSED 10.1.2.3:5432 (user channels_rw, database channels)';
  let postgresError: Error | undefined;
  const checks: ReadinessCheck[] = [
    {
      name: 'postgres',
      check: async () => {
        if (postgresError) throw postgresError;
      },
    },
    { name: 'redis', check: async () => undefined },
  ];
  let warn: jest.SpyInstance;
  let log: jest.SpyInstance;

  beforeEach(() => {
    postgresError = undefined;
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('answers 200 with every dependency ok', async () => {
    const r = await answer(new HealthController(new LifecycleService(), checks));
    expect(r).toMatchObject({ status: 200, body: { status: 'ok', checks: { postgres: 'ok', redis: 'ok' } } });
  });

  it('names the dependency that is down and its state only; the reason goes to the log once', async () => {
    const controller = new HealthController(new LifecycleService(), checks);
    postgresError = new Error(driverError);
    for (let i = 0; i < 3; i++) {
      const r = await answer(controller);
      expect(r.status).toBe(503);
      expect(r.body).toEqual({ status: 'unavailable', checks: { postgres: 'down', redis: 'ok' } });
      expect(r.text).not.toMatch(/ECONNREFUSED|10\.1\.2\.3|5432|channels_rw/);
    }
    expect(warn.mock.calls).toEqual([[`readiness: postgres is down: ${driverError}`]]);

    postgresError = undefined;
    expect((await answer(controller)).status).toBe(200);
    expect(log.mock.calls).toEqual([['readiness: postgres answers again']]);
  });

  it('counts a dependency that does not answer in time as down', async () => {
    jest.useFakeTimers();
    try {
      const hanging: ReadinessCheck = { name: 'queue', check: () => new Promise(() => undefined) };
      const pending = answer(new HealthController(new LifecycleService(), [hanging]));
      await jest.advanceTimersByTimeAsync(2_000);
      expect((await pending).body).toEqual({ status: 'unavailable', checks: { queue: 'down' } });
      expect(warn.mock.calls).toEqual([['readiness: queue is down: timed out after 2000 ms']]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('answers 503 shutting_down while the service drains', async () => {
    const lifecycle = new LifecycleService();
    lifecycle.beginShutdown();
    const r = await answer(new HealthController(lifecycle, checks));
    expect(r).toMatchObject({ status: 503, body: { status: 'shutting_down', checks: {} } });
  });
});
