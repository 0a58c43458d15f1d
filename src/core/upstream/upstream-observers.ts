import { Logger } from '@nestjs/common';
import type { CircuitStateName, UpstreamCallEvent, UpstreamEventBase, UpstreamObserver } from './upstream-client';

/**
 * The process's upstream observers behind the one observer the client factory holds: the event
 * bridge is added by the core, other areas (monitoring) add theirs at boot. An observer that throws
 * is logged and never fails the call it observes.
 */
export class UpstreamObservers implements UpstreamObserver {
  private readonly log = new Logger('Upstream');
  private observers: UpstreamObserver[] = [];

  /** Returns the function that removes it again. */
  add(observer: UpstreamObserver): () => void {
    this.observers = [...this.observers, observer];
    return () => {
      this.observers = this.observers.filter((o) => o !== observer);
    };
  }

  onCall(e: UpstreamCallEvent): void {
    // once per attempt: no closure per observer here
    for (const o of this.observers) {
      if (!o.onCall) continue;
      try {
        o.onCall(e);
      } catch (err) {
        this.failed(err);
      }
    }
  }

  onRejected(e: UpstreamEventBase & { reason: 'circuit_open' | 'quota_exhausted' }): void {
    for (const o of this.observers) if (o.onRejected) this.safely(() => o.onRejected!(e));
  }

  onRetryWait(e: UpstreamEventBase & { waitMs: number; reason: '429' | '5xx' | 'network' }): void {
    for (const o of this.observers) if (o.onRetryWait) this.safely(() => o.onRetryWait!(e));
  }

  onThrottled(e: UpstreamEventBase & { waitMs: number; reason: 'budget' | 'hold' }): void {
    for (const o of this.observers) if (o.onThrottled) this.safely(() => o.onThrottled!(e));
  }

  onCircuitChange(e: UpstreamEventBase & { state: CircuitStateName }): void {
    for (const o of this.observers) if (o.onCircuitChange) this.safely(() => o.onCircuitChange!(e));
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.failed(e);
    }
  }

  private failed(e: unknown): void {
    this.log.error(`an upstream observer failed: ${(e as Error).message}`);
  }
}
