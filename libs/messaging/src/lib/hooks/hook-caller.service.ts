import { Inject, Injectable, Optional } from '@nestjs/common';
import { signChannelsRequest } from '@channels/auth';
import {
  ChannelsError,
  ErrorCode,
  HOOK_TIMEOUT_DEFAULT_MS,
  type HookAnswer,
  hookAnswerSchema,
  type HookRequest,
  type HooksConfig,
  type HookType,
  namespaceOf,
  SIGNATURE_HEADER,
} from '@channels/contracts';
import { ChannelDirectory } from '../channel-directory.service';

/** Why a hook call counted as failed. */
export type HookFailure = 'timeout' | 'error' | 'status' | 'bad_answer' | 'overloaded';
export type HookOutcome = 'allow' | 'deny' | HookFailure;

export interface HookOptions {
  /** Calls to one app's backend in flight at once from this process; beyond, a call fails at once. */
  maxInFlightPerApp: number;
  /** Largest answer read from a backend. */
  maxAnswerBytes?: number;
}
export const HOOK_OPTIONS = Symbol('HookOptions');

/** Where hook calls are counted (Prometheus in the services). */
export interface HookMetrics {
  observe(hook: HookType, outcome: HookOutcome, seconds: number): void;
}
export const HOOK_METRICS = Symbol('HookMetrics');

interface Target {
  url: string;
  timeoutMs: number;
  onFailure: 'deny' | 'allow';
  apiSecret: string;
}

const MAX_ANSWER_BYTES = 1 << 20;

/**
 * Calls the app's backend before a client connects, subscribes or publishes (protocol §5.4) and
 * turns its answer into the decision: `allow` (with, for publish, a replaced payload; for connect,
 * channels to subscribe), or a `denied` error carrying the backend's reason. Requests are JSON,
 * signed with the app's API secret (`X-Channels-Signature: sha256=<hex>`), and bounded: each call
 * by the hook's timeout, and each app by `maxInFlightPerApp` calls at once from this process, so
 * a backend that hangs or answers garbage costs its own clients a refusal (or an allow, as its
 * `onFailure` says), never other apps' clients or the process.
 *
 * A namespace's hooks, when it has any, replace the app's for its channels (subscribe, publish).
 * Admins (backends) are never asked about: hooks judge clients.
 */
@Injectable()
export class HookCaller {
  private readonly inFlight = new Map<string, number>();
  private readonly maxAnswerBytes: number;

  constructor(
    private readonly directory: ChannelDirectory,
    @Inject(HOOK_OPTIONS) private readonly options: HookOptions,
    @Optional() @Inject(HOOK_METRICS) private readonly metrics?: HookMetrics,
  ) {
    this.maxAnswerBytes = options.maxAnswerBytes ?? MAX_ANSWER_BYTES;
  }

  /**
   * Asks the backend about `request` when the app (or the channel's namespace) has that hook;
   * undefined when it has none. Throws `denied` when the backend refuses (or fails, with
   * `onFailure: "deny"`).
   */
  async check(appID: string, request: HookRequest): Promise<HookAnswer | undefined> {
    const target = await this.target(appID, request.hook, request.channelID);
    if (!target) return undefined;
    const started = process.hrtime.bigint();
    const { outcome, answer } = await this.call(appID, target, request);
    this.metrics?.observe(request.hook, outcome, Number(process.hrtime.bigint() - started) / 1e9);
    if (outcome === 'allow') return answer;
    if (outcome === 'deny')
      throw new ChannelsError(
        ErrorCode.Denied,
        answer?.reason || `the app's backend refused this ${request.hook}`,
      );
    if (target.onFailure === 'allow') return undefined;
    throw new ChannelsError(
      ErrorCode.Denied,
      `the app's backend could not decide this ${request.hook} (${FAILURE_TEXT[outcome]})`,
    );
  }

  private async target(
    appID: string,
    hook: HookType,
    channelID: string | undefined,
  ): Promise<Target | undefined> {
    const app = await this.directory.appHooks(appID);
    if (!app) return undefined;
    let hooks: HooksConfig | null = app.hooks;
    const ns = channelID !== undefined ? namespaceOf(channelID) : undefined;
    if (ns !== undefined && hook !== 'connect') {
      const namespace = await this.directory.namespace(appID, ns);
      if (namespace?.hooks) hooks = namespace.hooks;
    }
    const url = hooks?.[hook]?.url;
    if (!hooks || !url) return undefined;
    return {
      url,
      timeoutMs: hooks.timeoutMs ?? HOOK_TIMEOUT_DEFAULT_MS,
      onFailure: hooks.onFailure ?? 'deny',
      apiSecret: app.apiSecret,
    };
  }

  private async call(
    appID: string,
    target: Target,
    request: HookRequest,
  ): Promise<{ outcome: HookOutcome; answer?: HookAnswer }> {
    const busy = this.inFlight.get(appID) ?? 0;
    if (busy >= this.options.maxInFlightPerApp) return { outcome: 'overloaded' };
    this.inFlight.set(appID, busy + 1);
    try {
      const body = JSON.stringify(request);
      let res: Response;
      try {
        res = await fetch(target.url, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            [SIGNATURE_HEADER]: signChannelsRequest(target.apiSecret, body),
          },
          body,
          redirect: 'error',
          signal: AbortSignal.timeout(target.timeoutMs),
        });
      } catch (e) {
        return { outcome: (e as Error).name === 'TimeoutError' ? 'timeout' : 'error' };
      }
      let text: string;
      try {
        text = await res.text();
      } catch (e) {
        return { outcome: (e as Error).name === 'TimeoutError' ? 'timeout' : 'error' };
      }
      if (res.status !== 200) return { outcome: 'status' };
      if (text.length > this.maxAnswerBytes) return { outcome: 'bad_answer' };
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return { outcome: 'bad_answer' };
      }
      const answer = hookAnswerSchema.safeParse(parsed);
      if (!answer.success) return { outcome: 'bad_answer' };
      return { outcome: answer.data.allow ? 'allow' : 'deny', answer: answer.data };
    } finally {
      const left = (this.inFlight.get(appID) ?? 1) - 1;
      if (left > 0) this.inFlight.set(appID, left);
      else this.inFlight.delete(appID);
    }
  }
}

const FAILURE_TEXT: Record<HookFailure, string> = {
  timeout: 'no answer in time',
  error: 'unreachable',
  status: 'answered an error status',
  bad_answer: 'answered something that is not {allow, …}',
  overloaded: 'too many calls in flight',
};
