import { Logger } from '@nestjs/common';
import type { EventBus } from '../events';
import type { RequestContext } from '../tenancy';
import type { CircuitStateName, UpstreamEventBase, UpstreamObserver } from './upstream-client';

const CIRCUIT_EVENT: Record<CircuitStateName, string> = {
  open: 'upstream.circuit_opened',
  half_open: 'upstream.circuit_half_opened',
  closed: 'upstream.circuit_closed',
};

/** A retry the client waited through: `upstream.retry_wait` with {plugin, connectionId, waitMs, reason}. */
export const UPSTREAM_RETRY_WAIT_EVENT = 'upstream.retry_wait';

/**
 * Turns the upstream client's reports into platform events: circuit changes
 * (`upstream.circuit_opened|half_opened|closed` with {plugin, connectionId}) for monitoring and the
 * connection state machine, and retry waits for the sync runs that count them. The tenant is the
 * target's, else the current request's or job's.
 */
export class UpstreamEventsObserver implements UpstreamObserver {
  private readonly log = new Logger('Upstream');

  constructor(private readonly events: EventBus, private readonly context?: RequestContext) {}

  onRetryWait(e: UpstreamEventBase & { waitMs: number; reason: '429' | '5xx' | 'network' }): void {
    const tenantId = this.tenantOf(e);
    if (tenantId) this.events.emit(UPSTREAM_RETRY_WAIT_EVENT, tenantId, { plugin: e.plugin, connectionId: e.connectionId, waitMs: e.waitMs, reason: e.reason });
  }

  onCircuitChange(e: UpstreamEventBase & { state: CircuitStateName }): void {
    const tenantId = this.tenantOf(e);
    if (!tenantId) {
      this.log.warn(`circuit of ${e.plugin} connection ${e.connectionId} is ${e.state}, but no tenant is known: no event emitted`);
      return;
    }
    this.events.emit(CIRCUIT_EVENT[e.state], tenantId, { plugin: e.plugin, connectionId: e.connectionId });
  }

  private tenantOf(e: UpstreamEventBase): string | undefined {
    return e.tenantId ?? this.context?.principal?.tenantId;
  }
}
