import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EventBus, type PlatformEvent } from '../../core/events';
import { RequestContext, TenantDb } from '../../core/tenancy';
import { UpstreamObservers } from '../../core/upstream';
import { Connection } from '../../integrations/connections';
import type { CircuitState } from '../entities/connection-health.entity';
import { NO_CONNECTION } from '../entities/series.entity';
import { ConnectionHealthStore } from '../health/connection-health.store';
import { MetricsService } from '../metrics/metrics.service';
import { SeriesBuffer } from '../series/series-buffer.service';
import { monitoringPrincipal } from '../system-principal';
import { AlertEngine } from './alert-engine.service';

type Data = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/**
 * What monitoring hears in this process: every upstream call (an observer on the hot path: metrics
 * and the minute's counters, nothing more) and the platform events it subscribes to by name,
 * which feed the metrics and series and raise or clear alerts:
 * upstream.circuit_* (circuit_open), connection.needs_reauth (auth_expired), connection.deleted,
 * sync.completed / sync.failed (sync_failed), webhook.received / webhook.failed (webhook_failures),
 * workflow.execution_finished, billing.payment_failed / payment_succeeded / plan_changed (payment_failed).
 */
@Injectable()
export class PlatformEventsSubscriber implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger('Monitoring');
  private readonly off: (() => void)[] = [];

  constructor(
    private readonly events: EventBus,
    private readonly observers: UpstreamObservers,
    private readonly context: RequestContext,
    private readonly db: TenantDb,
    private readonly series: SeriesBuffer,
    private readonly metrics: MetricsService,
    private readonly health: ConnectionHealthStore,
    private readonly engine: AlertEngine,
  ) {}

  onModuleInit(): void {
    this.off.push(this.observers.add({
      onCall: (e) => {
        this.series.call(e);
        this.metrics.upstreamCall(e);
      },
      onRejected: (e) => {
        if (e.tenantId) this.series.count(e.tenantId, e.connectionId, e.plugin, e.reason === 'circuit_open' ? 'rejectedCircuit' : 'rejectedQuota');
        this.metrics.upstreamReject(e.plugin, e.reason);
      },
      onRetryWait: (e) => {
        if (e.tenantId) this.series.count(e.tenantId, e.connectionId, e.plugin, 'retries');
        this.metrics.upstreamRetry(e.plugin, e.reason);
      },
    }));
    const on = (type: string, fn: (e: PlatformEvent, d: Data) => Promise<void>) =>
      this.off.push(this.events.on(type, (e) => this.context.runAsTenant(monitoringPrincipal(e.tenantId), () => fn(e, e.data))));
    on('upstream.circuit_opened', (e, d) => this.circuit(d, 'open'));
    on('upstream.circuit_half_opened', (e, d) => this.circuit(d, 'half_open'));
    on('upstream.circuit_closed', (e, d) => this.circuit(d, 'closed'));
    on('connection.needs_reauth', (e, d) => this.needsReauth(d));
    on('connection.deleted', (e, d) => this.deleted(d));
    on('sync.completed', (e, d) => this.syncCompleted(e, d));
    on('sync.failed', (e, d) => this.syncFailed(e, d));
    on('webhook.received', async (e, d) => this.webhook(e, d, 'processed'));
    on('webhook.failed', async (e, d) => this.webhook(e, d, 'failed'));
    on('workflow.execution_finished', async (e, d) => this.workflow(e, d));
    on('billing.payment_failed', (e, d) => this.paymentFailed(d));
    on('billing.payment_succeeded', async () => void (await this.engine.clear('payment_failed', 'subscription', 'a payment went through')));
    on('billing.plan_changed', async (e, d) => {
      if (d.subscriptionStatus === 'active') await this.engine.clear('payment_failed', 'subscription', 'the subscription is active again');
    });
  }

  onModuleDestroy(): void {
    for (const off of this.off.splice(0)) off();
  }

  private async circuit(d: Data, state: CircuitState): Promise<void> {
    const connectionId = str(d.connectionId);
    const plugin = str(d.plugin);
    if (!connectionId || !plugin) return;
    this.metrics.circuit(plugin, connectionId, state);
    await this.health.setCircuit(connectionId, plugin, state);
    if (state === 'closed') {
      await this.engine.clear('circuit_open', connectionId, 'the circuit closed: a probe call succeeded');
    } else if (state === 'open') {
      const name = await this.nameOf(connectionId);
      await this.engine.raise({
        type: 'circuit_open', connectionId, plugin, title: `${name} (${plugin}): circuit open, calls are paused`,
        detail: 'too many calls failed lately; calls fail fast until a probe succeeds', data: { connectionName: name },
      });
    }
  }

  private async needsReauth(d: Data): Promise<void> {
    const connectionId = str(d.connectionId);
    const plugin = str(d.plugin) ?? 'unknown';
    if (!connectionId) return;
    const name = await this.nameOf(connectionId);
    await this.engine.raise({
      type: 'auth_expired', connectionId, plugin, title: `${name} (${plugin}) needs to be re-authorized`,
      detail: str(d.reason) ?? 'the platform no longer accepts its authorization', data: { connectionName: name },
    });
  }

  private async deleted(d: Data): Promise<void> {
    const connectionId = str(d.connectionId);
    if (!connectionId) return;
    await this.health.remove(connectionId);
    await this.engine.clearConnection(connectionId, 'the connection was deleted');
  }

  private async syncCompleted(e: PlatformEvent, d: Data): Promise<void> {
    const connectionId = str(d.connectionId);
    const plugin = str(d.plugin) ?? (connectionId ? await this.pluginOf(connectionId) : 'unknown');
    const counts = (d.counts ?? {}) as Record<string, number>;
    this.metrics.syncFinished(plugin, str(d.entity) ?? 'unknown', 'succeeded', counts);
    if (!connectionId) return;
    this.series.count(e.tenantId, connectionId, plugin, 'syncRuns');
    this.series.count(e.tenantId, connectionId, plugin, 'recordsSynced', (counts.added ?? 0) + (counts.updated ?? 0) + (counts.deleted ?? 0));
    await this.engine.clear('sync_failed', connectionId, `a sync of ${str(d.entity) ?? 'an entity'} completed`);
  }

  private async syncFailed(e: PlatformEvent, d: Data): Promise<void> {
    const connectionId = str(d.connectionId);
    const plugin = str(d.plugin) ?? (connectionId ? await this.pluginOf(connectionId) : 'unknown');
    this.metrics.syncFinished(plugin, str(d.entity) ?? 'unknown', 'failed');
    if (!connectionId) return;
    this.series.count(e.tenantId, connectionId, plugin, 'syncRuns');
    this.series.count(e.tenantId, connectionId, plugin, 'syncFailures');
    const name = await this.nameOf(connectionId);
    await this.engine.raise({
      type: 'sync_failed', connectionId, plugin, title: `${name} (${plugin}): a sync of ${str(d.entity) ?? 'an entity'} failed`,
      detail: str(d.error) ?? null, data: { connectionName: name, runId: d.runId ?? null, entity: d.entity ?? null },
    });
  }

  private webhook(e: PlatformEvent, d: Data, status: 'processed' | 'failed'): void {
    const plugin = str(d.plugin) ?? 'unknown';
    this.metrics.webhook(plugin, status);
    const connectionId = str(d.connectionId);
    if (connectionId) this.series.count(e.tenantId, connectionId, plugin, status === 'processed' ? 'webhooksReceived' : 'webhooksFailed');
  }

  private workflow(e: PlatformEvent, d: Data): void {
    const status = str(d.status) ?? 'unknown';
    this.metrics.workflow(status);
    this.series.count(e.tenantId, NO_CONNECTION, '', 'workflowRuns');
    if (status === 'failed') this.series.count(e.tenantId, NO_CONNECTION, '', 'workflowFailures');
  }

  private async paymentFailed(d: Data): Promise<void> {
    const amount = typeof d.amountDue === 'number' && str(d.currency) ? ` (${(d.amountDue / 100).toFixed(2)} ${String(d.currency).toUpperCase()})` : '';
    await this.engine.raise({
      type: 'payment_failed', subject: 'subscription', title: `A payment for your Plugboard plan failed${amount}`,
      detail: str(d.graceEndsAt) ? `the plan stays active until ${String(d.graceEndsAt)}; update the payment method before then` : null, data: d,
    });
  }

  private async nameOf(connectionId: string): Promise<string> {
    return (await this.db.repo(Connection).findOne({ id: connectionId }, { select: ['name'] }))?.name ?? connectionId;
  }

  private async pluginOf(connectionId: string): Promise<string> {
    return (await this.db.repo(Connection).findOne({ id: connectionId }, { select: ['plugin'] }))?.plugin ?? 'unknown';
  }
}
