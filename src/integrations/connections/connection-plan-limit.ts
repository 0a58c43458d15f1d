import { Injectable, OnModuleInit } from '@nestjs/common';
import { Entitlements, type LimitedResourceProvider } from '../../billing';
import { PLAN_PAUSE_REASON, TenantDb } from '../../core/tenancy';
import { Connection } from './connection.entity';
import { ConnectionStatusService } from './connection-status.service';

export function isPausedByPlan(c: Pick<Connection, 'status' | 'statusReason'>): boolean {
  return c.status === 'disabled' && (c.statusReason ?? '').startsWith(PLAN_PAUSE_REASON);
}

/**
 * Connections as a resource plans limit: counted while usable (paused ones do not count), the newest
 * paused (disabled, never deleted) when a plan allows fewer, and given back the status they had when
 * a plan allows them again.
 */
@Injectable()
export class ConnectionPlanLimit implements LimitedResourceProvider, OnModuleInit {
  constructor(private readonly db: TenantDb, private readonly status: ConnectionStatusService, private readonly entitlements: Entitlements) {}

  onModuleInit(): void {
    this.entitlements.register('connections', this);
  }

  count(): Promise<number> {
    return this.db.repo(Connection).query('c').andWhere(`c.status <> 'disabled'`).getCount();
  }

  async pauseBeyond(keep: number, reason: string): Promise<number> {
    const usable = await this.db.repo(Connection).query('c').andWhere(`c.status <> 'disabled'`).orderBy('c.created_at', 'ASC').addOrderBy('c.id', 'ASC').getMany();
    let paused = 0;
    for (const c of usable.slice(keep)) if (await this.status.transition(c, 'disabled', `${PLAN_PAUSE_REASON}${reason}`)) paused++;
    return paused;
  }

  async resumePaused(limit: number | null): Promise<number> {
    const paused = (await this.db.repo(Connection).find({ status: 'disabled' }, { order: { createdAt: 'ASC' } })).filter(isPausedByPlan);
    const room = limit === null ? paused.length : Math.max(0, limit - (await this.count()));
    let resumed = 0;
    for (const c of paused.slice(0, room)) {
      const before = (await this.status.history(c.id)).reverse().find((t) => t.toStatus === 'disabled')?.fromStatus ?? 'healthy';
      if (await this.status.transition(c, before, 'resumed: the plan allows it again', ['disabled'])) resumed++;
    }
    return resumed;
  }
}
