import { UpstreamError } from '../plugin-sdk';

/**
 * The connection's circuit is open: the platform failed too often lately, so calls fail fast
 * until the half-open probe succeeds; `retryAt` is when this process lets the probe through.
 * A 503 to code that only knows UpstreamError.
 */
export class CircuitOpenError extends UpstreamError {
  constructor(plugin: string, readonly connectionId: string, readonly retryAt: Date) {
    super(503, null, plugin, `${plugin} circuit is open for connection ${connectionId}: calls are paused until ${retryAt.toISOString()}`);
    this.name = 'CircuitOpenError';
  }
}

/**
 * The connection may not call the platform again before `resumeAt`: its daily quota is used up, or
 * the platform asked for a pause longer than a call should sleep. Callers (the sync engine, the
 * queue) pause the work and resume it then, instead of failing it. A 429 to code that only knows UpstreamError.
 */
export class QuotaExhaustedError extends UpstreamError {
  constructor(
    plugin: string,
    readonly connectionId: string,
    readonly resumeAt: Date,
    readonly reason: 'daily_quota' | 'platform_pause',
  ) {
    super(429, null, plugin, `${plugin} ${reason === 'daily_quota' ? 'daily quota is used up' : 'asked for a long pause'} for connection ${connectionId}: resume at ${resumeAt.toISOString()}`);
    this.name = 'QuotaExhaustedError';
  }
}

/**
 * When work that failed with `e` can go on, if the failure is a pause rather than an error (an open
 * circuit, a used-up quota): the caller waits until then instead of spending a retry. Null otherwise.
 */
export function pausedUntil(e: unknown): Date | null {
  if (e instanceof CircuitOpenError) return e.retryAt;
  if (e instanceof QuotaExhaustedError) return e.resumeAt;
  return null;
}
