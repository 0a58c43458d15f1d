import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { QueueInspector } from '../../core/queue';
import type { UpstreamCallEvent } from '../../core/upstream';
import { LATENCY_BOUNDS_MS } from '../series/latency-histogram';

const CIRCUIT_VALUE = { closed: 0, half_open: 1, open: 2 } as const;
const SECONDS = LATENCY_BOUNDS_MS.map((ms) => ms / 1000);

/**
 * This process's Prometheus metrics, in a registry of its own (never prom-client's global one, so
 * two apps in one process, as in tests, count apart). Counters are cumulative for the process;
 * queue depths are read from Redis at each scrape.
 */
@Injectable()
export class MetricsService implements OnModuleInit {
  readonly registry = new Registry();

  private readonly httpRequests = new Counter({ name: 'plugboard_http_requests_total', help: 'HTTP requests answered, by route template and status', labelNames: ['method', 'route', 'status'], registers: [this.registry] });
  private readonly httpDuration = new Histogram({
    name: 'plugboard_http_request_duration_seconds', help: 'HTTP request latency, by route template', labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry],
  });
  private readonly upstreamCalls = new Counter({ name: 'plugboard_upstream_calls_total', help: 'Calls (attempts) to platforms, by plugin and status class', labelNames: ['plugin', 'status'], registers: [this.registry] });
  private readonly upstreamDuration = new Histogram({ name: 'plugboard_upstream_call_duration_seconds', help: 'Latency of calls to platforms, by plugin', labelNames: ['plugin'], buckets: SECONDS, registers: [this.registry] });
  private readonly upstreamErrors = new Counter({ name: 'plugboard_upstream_errors_total', help: 'Failed calls to platforms, by plugin and kind', labelNames: ['plugin', 'kind'], registers: [this.registry] });
  private readonly upstreamRetries = new Counter({ name: 'plugboard_upstream_retries_total', help: 'Retries of calls to platforms, by plugin and reason', labelNames: ['plugin', 'reason'], registers: [this.registry] });
  private readonly upstreamRejected = new Counter({ name: 'plugboard_upstream_rejected_total', help: 'Calls refused before reaching the platform (open circuit, used-up quota)', labelNames: ['plugin', 'reason'], registers: [this.registry] });
  private readonly circuitState = new Gauge({ name: 'plugboard_circuit_breaker_state', help: 'Circuit breaker per connection as this process last saw it: 0 closed, 1 half-open, 2 open', labelNames: ['plugin', 'connection_id'], registers: [this.registry] });
  private readonly syncRecords = new Counter({ name: 'plugboard_sync_records_total', help: 'Records of completed sync runs, by plugin, entity and action (added, updated, deleted, unchanged)', labelNames: ['plugin', 'entity', 'action'], registers: [this.registry] });
  private readonly syncRuns = new Counter({ name: 'plugboard_sync_runs_total', help: 'Finished sync runs, by plugin and status', labelNames: ['plugin', 'status'], registers: [this.registry] });
  private readonly webhookEvents = new Counter({ name: 'plugboard_webhook_events_total', help: 'Inbound webhook events, by plugin and status', labelNames: ['plugin', 'status'], registers: [this.registry] });
  private readonly workflowExecutions = new Counter({ name: 'plugboard_workflow_executions_total', help: 'Workflow executions, by status', labelNames: ['status'], registers: [this.registry] });
  private readonly alertsFired = new Counter({ name: 'plugboard_alerts_fired_total', help: 'Incidents opened, by alert type and severity', labelNames: ['type', 'severity'], registers: [this.registry] });

  constructor(private readonly queues: QueueInspector, private readonly host: HttpAdapterHost) {
    const inspector = this.queues;
    new Gauge({
      name: 'plugboard_queue_jobs', help: 'Jobs per queue and state', labelNames: ['queue', 'state'], registers: [this.registry],
      async collect() {
        this.reset();
        for (const q of await inspector.stats()) for (const state of ['waiting', 'active', 'delayed', 'failed'] as const) this.set({ queue: q.name, state }, q[state]);
      },
    });
    new Gauge({
      name: 'plugboard_queue_oldest_job_age_seconds', help: 'How long the oldest waiting job of each queue has waited (0: none waits)', labelNames: ['queue'], registers: [this.registry],
      async collect() {
        this.reset();
        for (const q of await inspector.stats()) this.set({ queue: q.name }, (q.oldestWaitingMs ?? 0) / 1000);
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'plugboard_' });
  }

  /** HTTP figures come from a Fastify hook, so 401s, 429s and unknown routes count too; a process without HTTP has none. */
  onModuleInit(): void {
    const fastify = this.host.httpAdapter?.getInstance?.() as FastifyInstance | undefined;
    if (!fastify?.addHook) return;
    fastify.addHook('onResponse', (req, reply, done) => {
      const route = req.routeOptions.url ?? 'unmatched';
      this.httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
      this.httpDuration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
      done();
    });
  }

  upstreamCall(e: UpstreamCallEvent): void {
    const status = e.status === 'error' ? 'error' : `${Math.floor(e.status / 100)}xx`;
    this.upstreamCalls.inc({ plugin: e.plugin, status });
    this.upstreamDuration.observe({ plugin: e.plugin }, e.durationMs / 1000);
    if (e.status === 'error') this.upstreamErrors.inc({ plugin: e.plugin, kind: e.error ?? 'network' });
    else if (e.status >= 400) this.upstreamErrors.inc({ plugin: e.plugin, kind: errorKind(e.status) });
  }

  upstreamRetry(plugin: string, reason: string): void {
    this.upstreamRetries.inc({ plugin, reason });
  }

  upstreamReject(plugin: string, reason: string): void {
    this.upstreamRejected.inc({ plugin, reason });
  }

  circuit(plugin: string, connectionId: string, state: keyof typeof CIRCUIT_VALUE): void {
    this.circuitState.set({ plugin, connection_id: connectionId }, CIRCUIT_VALUE[state]);
  }

  syncFinished(plugin: string, entity: string, status: 'succeeded' | 'failed', counts?: Record<string, number>): void {
    this.syncRuns.inc({ plugin, status });
    for (const [action, n] of Object.entries(counts ?? {})) this.syncRecords.inc({ plugin, entity, action }, n);
  }

  webhook(plugin: string, status: string): void {
    this.webhookEvents.inc({ plugin, status });
  }

  workflow(status: string): void {
    this.workflowExecutions.inc({ status });
  }

  alertFired(type: string, severity: string): void {
    this.alertsFired.inc({ type, severity });
  }
}

/** The kind of a failed answer, as the series and analytics name it. */
export function errorKind(status: number): 'server' | 'rate_limited' | 'auth' | 'client' {
  return status >= 500 ? 'server' : status === 429 ? 'rate_limited' : status === 401 || status === 403 ? 'auth' : 'client';
}
