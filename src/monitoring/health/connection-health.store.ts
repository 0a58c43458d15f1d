import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RequestContext, TenantDb } from '../../core/tenancy';
import { ConnectionHealth, type CheckStatus, type CircuitState } from '../entities/connection-health.entity';

/** The current tenant's connection_health rows: upserts in SQL (every statement names the tenant), reads through TenantDb. */
@Injectable()
export class ConnectionHealthStore {
  constructor(private readonly dataSource: DataSource, private readonly context: RequestContext, private readonly db: TenantDb) {}

  /** Records a check; returns how many checks in a row have now failed. */
  async recordCheck(connectionId: string, plugin: string, status: CheckStatus, latencyMs: number, error: string | null): Promise<number> {
    const [row] = await this.dataSource.query(
      `INSERT INTO connection_health (connection_id, tenant_id, plugin, check_status, last_check_at, last_ok_at, last_latency_ms, last_error, consecutive_failures, checks_total)
       VALUES ($1, $2, $3, $4, now(), CASE WHEN $4 = 'up' THEN now() END, $5, $6, CASE WHEN $4 = 'up' THEN 0 ELSE 1 END, 1)
       ON CONFLICT (connection_id) DO UPDATE SET
         plugin = EXCLUDED.plugin, check_status = EXCLUDED.check_status, last_check_at = now(),
         last_ok_at = coalesce(EXCLUDED.last_ok_at, connection_health.last_ok_at), last_latency_ms = EXCLUDED.last_latency_ms, last_error = EXCLUDED.last_error,
         consecutive_failures = CASE WHEN EXCLUDED.check_status = 'up' THEN 0 ELSE connection_health.consecutive_failures + 1 END,
         checks_total = connection_health.checks_total + 1, updated_at = now()
       WHERE connection_health.tenant_id = $2
       RETURNING consecutive_failures AS failures`,
      [connectionId, this.context.tenantId, plugin, status, Math.round(latencyMs), error],
    );
    return row?.failures ?? 0;
  }

  /** The circuit state a process reported for the connection (the latest report wins). */
  async setCircuit(connectionId: string, plugin: string, state: CircuitState): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO connection_health (connection_id, tenant_id, plugin, circuit, circuit_changed_at) VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (connection_id) DO UPDATE SET circuit = EXCLUDED.circuit, circuit_changed_at = now(), updated_at = now()
       WHERE connection_health.tenant_id = $2`,
      [connectionId, this.context.tenantId, plugin, state],
    );
  }

  async remove(connectionId: string): Promise<void> {
    await this.db.repo(ConnectionHealth).delete({ connectionId });
  }

  async all(): Promise<Map<string, ConnectionHealth>> {
    return new Map((await this.db.repo(ConnectionHealth).find()).map((h) => [h.connectionId, h]));
  }
}
