import { Injectable, NotFoundException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AdminScope } from '../admin-scope';
import type { AdminSession } from '../session/admin-sessions.service';
import { decodeCursor, encodeCursor, likeEscape, pageOf, SqlFilter, type Page } from './sql-filter';

export interface TenantRow {
  id: string;
  name: string;
  slug: string;
  plan: string;
  status: string;
  rateLimitOverride: number | null;
  createdAt: Date;
  users: number;
  connections: number;
  unhealthy: number;
}

/** A tenant's plan and what billing last heard of its subscription (billing_accounts, kept by the billing area). */
export interface TenantBillingRow {
  id: string;
  name: string;
  plan: string;
  subscriptionStatus: string | null;
  subscriptionPlan: string | null;
  interval: string | null;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean | null;
  scheduledPlan: string | null;
  pastDueSince: Date | null;
  graceEndsAt: Date | null;
}

export interface TenantUserRow {
  id: string;
  email: string;
  name: string;
  role: string;
  createdAt: Date;
  lastLoginAt: Date | null;
}

const COUNTS = `
  (SELECT count(*)::int FROM users u WHERE u.tenant_id = t.id) AS users,
  (SELECT count(*)::int FROM connections c WHERE c.tenant_id = t.id) AS connections,
  (SELECT count(*)::int FROM connections c WHERE c.tenant_id = t.id AND c.status <> 'healthy') AS unhealthy`;

/** Tenants for operators (an owner's panel shows only their own tenant's page). */
@Injectable()
export class TenantsQuery {
  constructor(private readonly dataSource: DataSource) {}

  async list(filter: { q?: string; plan?: string }, cursor: unknown, limit = 50): Promise<Page<TenantRow>> {
    const f = new SqlFilter().optional('t.plan = ?', filter.plan);
    if (filter.q) f.where(`(t.name ILIKE ? ESCAPE '\\' OR t.slug LIKE ? ESCAPE '\\')`, `%${likeEscape(filter.q)}%`, `${likeEscape(filter.q.toLowerCase())}%`);
    const after = decodeCursor(cursor, 2);
    if (after) f.where('(t.name, t.id) > (?, ?::uuid)', after[0], after[1]);
    const rows: TenantRow[] = await this.dataSource.query(
      `SELECT t.id, t.name, t.slug, t.plan, t.status, t.rate_limit_override AS "rateLimitOverride", t.created_at AS "createdAt", ${COUNTS}
         FROM (SELECT * FROM tenants t ${f.sql} ORDER BY t.name, t.id LIMIT ${f.param(limit + 1)}) t ORDER BY t.name, t.id`,
      f.params,
    );
    return pageOf(rows, limit, (r) => encodeCursor([r.name, r.id]));
  }

  async get(id: string): Promise<TenantRow> {
    const [row] = await this.dataSource.query(
      `SELECT t.id, t.name, t.slug, t.plan, t.status, t.rate_limit_override AS "rateLimitOverride", t.created_at AS "createdAt", ${COUNTS}
         FROM tenants t WHERE t.id = $1`,
      [id],
    );
    if (!row) throw new NotFoundException(`no tenant ${id}`);
    return row;
  }

  users(id: string, limit = 100): Promise<TenantUserRow[]> {
    return this.dataSource.query(
      `SELECT id, email, name, role, created_at AS "createdAt", last_login_at AS "lastLoginAt" FROM users WHERE tenant_id = $1 ORDER BY role, email LIMIT $2`,
      [id, limit],
    );
  }

  /** Active records across the tenant's connections (an index-only count of its identity keys). */
  async records(id: string): Promise<number> {
    const [row] = await this.dataSource.query(`SELECT count(*)::int AS n FROM sync_records WHERE tenant_id = $1 AND deleted_at IS NULL`, [id]);
    return row.n;
  }

  async billing(cursor: unknown, limit = 50): Promise<Page<TenantBillingRow>> {
    const f = new SqlFilter();
    const after = decodeCursor(cursor, 2);
    if (after) f.where('(t.name, t.id) > (?, ?::uuid)', after[0], after[1]);
    const rows: TenantBillingRow[] = await this.dataSource.query(
      `SELECT t.id, t.name, t.plan, ba.subscription_status AS "subscriptionStatus", ba.subscription_plan AS "subscriptionPlan", ba.billing_interval AS interval,
              ba.current_period_end AS "currentPeriodEnd", ba.cancel_at_period_end AS "cancelAtPeriodEnd", ba.scheduled_plan AS "scheduledPlan",
              ba.past_due_since AS "pastDueSince", ba.grace_ends_at AS "graceEndsAt"
         FROM (SELECT * FROM tenants t ${f.sql} ORDER BY t.name, t.id LIMIT ${f.param(limit + 1)}) t
         LEFT JOIN billing_accounts ba ON ba.tenant_id = t.id
        ORDER BY t.name, t.id`,
      f.params,
    );
    return pageOf(rows, limit, (r) => encodeCursor([r.name, r.id]));
  }

  async perPlan(): Promise<Record<string, number>> {
    const rows: { plan: string; n: number }[] = await this.dataSource.query(`SELECT plan, count(*)::int AS n FROM tenants GROUP BY plan`);
    return Object.fromEntries(rows.map((r) => [r.plan, r.n]));
  }

  async count(): Promise<number> {
    const [row] = await this.dataSource.query(`SELECT count(*)::int AS n FROM tenants`);
    return row.n;
  }

  /** What a page says when an operator narrowed it to one tenant (an owner's pages are always theirs: nothing to say). */
  async filterOf(session: AdminSession, scope: AdminScope): Promise<{ tenant: string; tenantName: string } | null> {
    if (session.role !== 'operator' || !scope.tenantId) return null;
    const [row] = await this.dataSource.query(`SELECT name FROM tenants WHERE id = $1`, [scope.tenantId]);
    return { tenant: scope.tenantId, tenantName: row?.name ?? scope.tenantId };
  }
}

