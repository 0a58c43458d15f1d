import { Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';

export interface QueueStats {
  name: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  /** how long the oldest waiting job has waited, in ms; null when none waits */
  oldestWaitingMs: number | null;
}

/** One tenant's waiting jobs in one queue. */
export interface TenantBacklog {
  queue: string;
  tenantId: string;
  waiting: number;
  oldestWaitingMs: number;
}

/**
 * Every Bull queue of the process, found through Nest's DiscoveryService (each area registers its
 * own), with their depth and the age of the oldest waiting job: for readiness, metrics and alerts.
 */
@Injectable()
export class QueueInspector {
  private found?: Queue[];
  private reading?: Promise<QueueStats[]>;

  constructor(private readonly discovery: DiscoveryService) {}

  queues(): Queue[] {
    if (!this.found) {
      const byName = new Map<string, Queue>();
      for (const w of this.discovery.getProviders()) {
        const q = w.instance as Queue | undefined;
        if (q && typeof q.getJobCounts === 'function' && w.token === getQueueToken(q.name)) byName.set(q.name, q);
      }
      this.found = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
    }
    return this.found;
  }

  /** Concurrent callers (a burst of readiness probes, a scrape) share one read. */
  stats(): Promise<QueueStats[]> {
    this.reading ??= this.read().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async read(): Promise<QueueStats[]> {
    const now = Date.now();
    return Promise.all(this.queues().map(async (q) => {
      const [counts, [oldest]] = await Promise.all([q.getJobCounts(), q.getWaiting(0, 0)]);
      return {
        name: q.name, waiting: counts.waiting, active: counts.active, delayed: counts.delayed, failed: counts.failed,
        oldestWaitingMs: oldest ? Math.max(0, now - oldest.timestamp) : null,
      };
    }));
  }

  /**
   * The waiting jobs of each tenant, read from the oldest `scan` jobs of every queue (a deep backlog
   * is bounded by the scan, which is enough to tell who is waiting and for how long).
   */
  async backlogByTenant(scan = 2000): Promise<TenantBacklog[]> {
    const now = Date.now();
    const out: TenantBacklog[] = [];
    for (const q of this.queues()) {
      const byTenant = new Map<string, TenantBacklog>();
      for (const job of await q.getWaiting(0, scan - 1)) {
        const tenantId = (job?.data as { tenantId?: unknown } | undefined)?.tenantId;
        if (typeof tenantId !== 'string') continue;
        const b = byTenant.get(tenantId) ?? { queue: q.name, tenantId, waiting: 0, oldestWaitingMs: 0 };
        b.waiting++;
        b.oldestWaitingMs = Math.max(b.oldestWaitingMs, now - job.timestamp);
        byTenant.set(tenantId, b);
      }
      out.push(...byTenant.values());
    }
    return out;
  }
}
