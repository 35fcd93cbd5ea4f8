/** Injection token of the typed, validated configuration of the running service. */
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');
/** Injection token of the readiness checks (`ReadinessCheck[]`). */
export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

/** A dependency readiness depends on (Postgres, Redis, the queue). Throws when not ready. */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<void>;
}
