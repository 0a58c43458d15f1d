import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { UpstreamError } from '../../core/plugin-sdk';
import { TenantDb } from '../../core/tenancy';
import { Connection, ConnectionAccess, ConnectionNeedsReauthError } from '../../integrations/connections';
import type { CheckStatus } from '../entities/connection-health.entity';
import { SeriesBuffer } from '../series/series-buffer.service';
import { mapLimit } from '../system-principal';
import { ConnectionHealthStore } from './connection-health.store';

/** checks of one tenant run this many at a time */
const CONCURRENCY = 4;

export interface CheckOutcome {
  connectionId: string;
  name: string;
  plugin: string;
  status: CheckStatus;
  latencyMs: number;
  detail: string | null;
  /** checks failed in a row, this one included (0 when it passed) */
  consecutiveFailures: number;
  tokenExpiresAt: Date | null;
}

/**
 * Runs each connection's plugin check (through ConnectionAccess, so OAuth tokens are refreshed as
 * for any call) and records it: the connection's health row and its minute in the series.
 */
@Injectable()
export class ConnectionChecks {
  constructor(
    private readonly db: TenantDb,
    private readonly access: ConnectionAccess,
    private readonly health: ConnectionHealthStore,
    private readonly series: SeriesBuffer,
  ) {}

  /** Checks the current tenant's connections (not disabled ones), optionally of one plugin. */
  async checkAll(filter: { plugin?: string } = {}): Promise<CheckOutcome[]> {
    const connections = await this.db.repo(Connection).find(filter.plugin ? { plugin: filter.plugin } : {}, { order: { createdAt: 'ASC' } });
    const outcomes = await mapLimit(connections.filter((c) => c.status !== 'disabled'), CONCURRENCY, (c) => this.check(c));
    return outcomes.filter((o): o is CheckOutcome => o !== null);
  }

  /** One check; null when the connection went away or was disabled meanwhile. */
  async check(c: Connection): Promise<CheckOutcome | null> {
    const started = performance.now();
    let status: CheckStatus;
    let detail: string | null = null;
    try {
      const opened = await this.access.open(c.id);
      const result = await opened.plugin.checkConnection(opened.context);
      // a check that answers "not ok" is the platform refusing the credentials
      status = result.ok ? 'up' : 'auth_expired';
      detail = result.ok ? null : (result.detail ?? 'the platform refused the credentials');
    } catch (e) {
      if (e instanceof NotFoundException || e instanceof ConflictException) return null;
      const refused = e instanceof ConnectionNeedsReauthError || (e instanceof UpstreamError && (e.status === 401 || e.status === 403));
      status = refused ? 'auth_expired' : 'down';
      detail = (e as Error).message;
    }
    const latencyMs = performance.now() - started;
    const failures = await this.health.recordCheck(c.id, c.plugin, status, latencyMs, detail);
    this.series.count(c.tenantId, c.id, c.plugin, 'checks');
    if (status !== 'up') this.series.count(c.tenantId, c.id, c.plugin, 'checksFailed');
    return { connectionId: c.id, name: c.name, plugin: c.plugin, status, latencyMs: Math.round(latencyMs), detail, consecutiveFailures: failures, tokenExpiresAt: c.tokenExpiresAt };
  }
}
