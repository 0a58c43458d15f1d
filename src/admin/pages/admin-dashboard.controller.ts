import { Get, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { PluginRegistry } from '../../core/plugin-host';
import { AnalyticsService, SeriesStore } from '../../monitoring';
import { AdminController, readQuery } from '../admin-controller.decorator';
import { AdminPages } from '../admin-pages.service';
import { AdminTenantContext, scopeOf, type AdminRequest, type AdminScope } from '../admin-scope';
import { ConflictsQuery } from '../queries/conflicts.query';
import { ConnectionsQuery } from '../queries/connections.query';
import { IncidentsQuery } from '../queries/incidents.query';
import { SyncRunsQuery } from '../queries/sync-runs.query';
import { TenantsQuery } from '../queries/tenants.query';
import { last24Hours, type BarPoint } from '../views/svg-charts';

/** tiles on the grid; the rest are a click away on the connections page */
const GRID_SIZE = 96;
const DAY_MS = 24 * 3_600_000;

/** The monitoring area's counts over the last 24 hours. */
interface DayFigures {
  calls: number;
  errors: number;
  records: number;
  webhooks: number;
  executions: number;
  /** calls per hour with the failed ones; only for one tenant (the series are read per tenant) */
  callBars: BarPoint[] | null;
}

/** The landing page: connections by health, the last 24 hours in figures and charts, open incidents. */
@AdminController('admin')
export class AdminDashboardController {
  constructor(
    private readonly pages: AdminPages,
    private readonly connections: ConnectionsQuery,
    private readonly runs: SyncRunsQuery,
    private readonly conflicts: ConflictsQuery,
    private readonly incidents: IncidentsQuery,
    private readonly tenants: TenantsQuery,
    private readonly plugins: PluginRegistry,
    private readonly analytics: AnalyticsService,
    private readonly series: SeriesStore,
    private readonly tenantContext: AdminTenantContext,
  ) {}

  @Get()
  async dashboard(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Query() query: unknown): Promise<void> {
    const session = req.adminSession!;
    const scope = scopeOf(session, readQuery({ tenant: z.string() }, query).tenant);
    const [counts, grid, hourly, active, openConflicts, incidents, figures, tenantCount, filter] = await Promise.all([
      this.connections.statusCounts(scope), this.connections.grid(scope, GRID_SIZE), this.runs.hourly(scope), this.runs.active(scope),
      this.conflicts.openCount(scope), this.incidents.open(scope), this.dayFigures(req, scope),
      session.role === 'operator' && !scope.tenantId ? this.tenants.count() : Promise.resolve(null), this.tenants.filterOf(session, scope),
    ]);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const runs = hourly.reduce((a, h) => a + h.runs, 0);
    const failed = hourly.reduce((a, h) => a + h.failed, 0);
    await this.pages.page(req, reply, 'dashboard', {
      title: 'Dashboard', section: 'dashboard', filter, scope,
      counts: { total, healthy: counts.healthy ?? 0, degraded: counts.degraded ?? 0, needsReauth: counts.needs_reauth ?? 0, disabled: counts.disabled ?? 0 },
      tiles: grid.map((c) => ({ ...c, pluginName: this.plugins.get(c.plugin)?.displayName ?? c.plugin })), moreTiles: Math.max(0, total - grid.length),
      active, openConflicts, incidents, tenantCount, figures,
      errorRate: figures.calls ? ((100 * figures.errors) / figures.calls).toFixed(1) : null,
      day: {
        runs, failed, records: hourly.reduce((a, h) => a + h.records, 0),
        runBars: last24Hours(hourly, (h) => h.runs).map((p) => ({ ...p, alert: p.row?.failed ?? 0 })),
        recordBars: last24Hours(hourly, (h) => h.records),
      },
    });
  }

  /** One tenant's from its hourly series (which also draw its chart); every tenant's from the operators' usage summary. */
  private async dayFigures(req: AdminRequest, scope: AdminScope): Promise<DayFigures> {
    const range = { from: new Date(Date.now() - DAY_MS), to: new Date() };
    if (scope.tenantId) {
      const buckets = await this.tenantContext.run(req, scope.tenantId, () => this.series.byBucket(range, 'hour'));
      const sum = (k: 'calls' | 'errors' | 'recordsSynced' | 'webhooksReceived' | 'workflowRuns') => buckets.reduce((a, b) => a + Number(b[k]), 0);
      const rows = buckets.map((b) => ({ hour: b.bucket, calls: Number(b.calls), errors: Number(b.errors) }));
      return {
        calls: sum('calls'), errors: sum('errors'), records: sum('recordsSynced'), webhooks: sum('webhooksReceived'), executions: sum('workflowRuns'),
        callBars: last24Hours(rows, (r) => r.calls).map((p) => ({ ...p, alert: p.row?.errors ?? 0 })),
      };
    }
    const usage = await this.analytics.tenantUsage(range);
    const sum = (k: 'calls' | 'errors' | 'recordsSynced' | 'webhooksReceived' | 'workflowRuns') => usage.reduce((a, u) => a + Number(u[k]), 0);
    return { calls: sum('calls'), errors: sum('errors'), records: sum('recordsSynced'), webhooks: sum('webhooksReceived'), executions: sum('workflowRuns'), callBars: null };
  }
}
