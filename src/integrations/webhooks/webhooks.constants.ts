import type { Principal } from '../../core/tenancy';

export const INBOUND_QUEUE = 'webhooks-inbound';
export const OUTBOUND_QUEUE = 'webhooks-outbound';

/** What an outbox row hands to the queue: an inbound event to process, a delivery to attempt, a tenant's record changes to fan out. */
export const OUTBOX_KINDS = ['event', 'delivery', 'records'] as const;
export type OutboxKind = (typeof OUTBOX_KINDS)[number];

/** Emitted once per processed inbound event. */
export const WEBHOOK_RECEIVED_EVENT = 'webhook.received';
/** Emitted for each failed processing attempt of an inbound event (`dead` on the last). */
export const WEBHOOK_FAILED_EVENT = 'webhook.failed';
/** Emitted when an endpoint that kept failing is switched off. */
export const ENDPOINT_DISABLED_EVENT = 'webhook_endpoint.disabled';

/** The events tenants can subscribe endpoints to. */
export const OUTBOUND_EVENT_TYPES = [
  'record.created', 'record.updated', 'record.deleted', 'sync.completed', 'sync.failed',
  'connection.needs_reauth', 'connection.degraded', 'connection.recovered', 'alert.fired', 'alert.resolved', 'workflow.failed',
] as const;
export type OutboundEventType = (typeof OUTBOUND_EVENT_TYPES)[number];
/** The type of the deliveries POST /webhook-endpoints/:id/test sends. */
export const TEST_EVENT_TYPE = 'webhook.test';

/** Internal event bus types that become outbound events (record.* come from the change feed instead). */
export const OUTBOUND_TYPE_OF: Readonly<Record<string, OutboundEventType>> = {
  'sync.completed': 'sync.completed',
  'sync.failed': 'sync.failed',
  'connection.needs_reauth': 'connection.needs_reauth',
  'connection.degraded': 'connection.degraded',
  'connection.recovered': 'connection.recovered',
  'alert.fired': 'alert.fired',
  'alert.resolved': 'alert.resolved',
  'workflow.execution_failed': 'workflow.failed',
};

/** A background actor of one tenant, for work that runs outside a request (event handlers, ingestion). */
export function systemPrincipal(tenantId: string, actorId: string): Principal {
  return { kind: 'system', tenantId, actorId, role: 'admin', scopes: ['read', 'write'], plan: 'free', rateLimit: 0 };
}
