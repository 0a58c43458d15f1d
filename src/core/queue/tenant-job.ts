import { Injectable } from '@nestjs/common';
import type { Job, JobOptions, Queue } from 'bull';
import { RequestContext, type Principal, TenantDirectory } from '../tenancy';

/** Every job names its tenant, so the processor can restore the tenant context. */
export interface TenantJobData {
  tenantId: string;
  /** who enqueued it, for the audit trail */
  actorId?: string;
}

/** Default job options: failed jobs stay in Redis for inspection; completed ones are trimmed. */
export const DEFAULT_JOB_OPTIONS: JobOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: 1000,
  removeOnFail: false,
};

@Injectable()
export class TenantJobs {
  constructor(
    private readonly context: RequestContext,
    private readonly tenants: TenantDirectory,
  ) {}

  /** Adds a job for the current tenant; refuses without one. */
  enqueue<T extends object>(queue: Queue, name: string, data: T, opts: JobOptions = {}): Promise<Job<T & TenantJobData>> {
    const p = this.context.principal;
    return queue.add(name, { ...data, tenantId: this.context.tenantId, actorId: p?.actorId }, { ...DEFAULT_JOB_OPTIONS, ...opts });
  }

  /** Runs a job's handler inside its tenant's context, as a system principal of that tenant. */
  async run<T extends TenantJobData, R>(job: Job<T>, handler: () => Promise<R>): Promise<R> {
    const { tenantId } = job.data;
    if (!tenantId) throw new Error(`job ${job.queue.name}#${job.id} carries no tenantId`);
    const t = await this.tenants.get(tenantId);
    if (!t) throw new Error(`job ${job.queue.name}#${job.id} names tenant ${tenantId}, which does not exist`);
    const principal: Principal = {
      kind: 'system', tenantId, actorId: `job:${job.queue.name}`, role: 'admin', scopes: ['read', 'write'], plan: t.plan, rateLimit: t.rateLimit,
    };
    return this.context.runAsTenant(principal, handler, `job-${job.queue.name}-${job.id}`);
  }
}
