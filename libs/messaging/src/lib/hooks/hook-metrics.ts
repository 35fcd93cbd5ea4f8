import type { HookType } from '@channels/contracts';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { HookMetrics, HookOutcome } from './hook-caller.service';

/**
 * Hook calls as Prometheus metrics in `registry`: `channels_hook_calls_total{hook, outcome}` (allow,
 * deny, or why it failed: timeout, error, status, bad_answer, overloaded) and
 * `channels_hook_duration_seconds{hook}`, the time each call took.
 */
export function prometheusHookMetrics(registry: Registry): HookMetrics {
  const calls = new Counter({
    name: 'channels_hook_calls_total',
    help: "Calls to apps' backend hooks, by hook type and outcome",
    labelNames: ['hook', 'outcome'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'channels_hook_duration_seconds',
    help: "Time a call to an app's backend hook took, by hook type",
    labelNames: ['hook'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return {
    observe(hook: HookType, outcome: HookOutcome, seconds: number) {
      calls.inc({ hook, outcome });
      duration.observe({ hook }, seconds);
    },
  };
}
