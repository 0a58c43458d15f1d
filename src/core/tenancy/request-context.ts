import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import type { UserRole } from './user.entity';
import type { ApiKeyScope } from '../auth';
import type { PlanId } from './plans';

/** Who is calling: set once per request by the auth guard, or per job from the job's data. */
export interface Principal {
  kind: 'user' | 'api_key' | 'system';
  tenantId: string;
  /** user id, api key id, or a system component's name */
  actorId: string;
  role: UserRole;
  scopes: readonly ApiKeyScope[];
  plan: PlanId;
  /** API requests per minute this tenant may make */
  rateLimit: number;
}

export interface RequestContextStore {
  requestId: string;
  principal?: Principal;
}

export class TenantContextMissingError extends Error {
  constructor() {
    super('no tenant in the current context: tenant-owned data may only be touched inside a request or job of a tenant');
  }
}

/**
 * The request (or job) context, carried by AsyncLocalStorage so nothing has to thread it through
 * arguments. One instance per application, provided by the TenancyModule.
 */
@Injectable()
export class RequestContext {
  private readonly als = new AsyncLocalStorage<RequestContextStore>();

  run<T>(store: RequestContextStore, fn: () => T): T {
    return this.als.run(store, fn);
  }

  /** Runs fn as a tenant's system actor: for jobs, schedules and CLI commands. */
  runAsTenant<T>(principal: Principal, fn: () => T, requestId = `job-${principal.tenantId}`): T {
    return this.als.run({ requestId, principal }, fn);
  }

  get store(): RequestContextStore | undefined {
    return this.als.getStore();
  }

  get principal(): Principal | undefined {
    return this.als.getStore()?.principal;
  }

  get tenantId(): string {
    const id = this.als.getStore()?.principal?.tenantId;
    if (!id) throw new TenantContextMissingError();
    return id;
  }
}
