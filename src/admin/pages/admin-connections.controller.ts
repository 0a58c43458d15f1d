import { Body, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { PluginRegistry } from '../../core/plugin-host';
import { UpstreamClientFactory } from '../../core/upstream';
import { CONNECTION_STATUSES, ConnectionsService } from '../../integrations/connections';
import { SyncRunsService } from '../../integrations/sync';
import { AdminController, cursorText, readQuery, searchText } from '../admin-controller.decorator';
import { AdminPages } from '../admin-pages.service';
import { AdminTenantContext, scopeOf, uuidOr404, type AdminRequest } from '../admin-scope';
import { ConnectionsQuery } from '../queries/connections.query';
import { RecordsQuery } from '../queries/records.query';
import { SyncRunsQuery } from '../queries/sync-runs.query';
import { TenantsQuery } from '../queries/tenants.query';

const SyncForm = z.object({
  entity: z.string().min(1).max(100),
  mode: z.enum(['full', 'incremental']).default('incremental'),
  dryRun: z.literal('on').optional(),
});

/**
 * Connections: the list, a connection's page (health history, circuit, token expiry, entities and
 * their records) and its actions, which are the connections and sync areas' own services run in the
 * connection's tenant.
 */
@AdminController('admin/connections')
export class AdminConnectionsController {
  constructor(
    private readonly pages: AdminPages,
    private readonly query: ConnectionsQuery,
    private readonly runs: SyncRunsQuery,
    private readonly records: RecordsQuery,
    private readonly tenants: TenantsQuery,
    private readonly tenantContext: AdminTenantContext,
    private readonly plugins: PluginRegistry,
    private readonly upstream: UpstreamClientFactory,
    private readonly connections: ConnectionsService,
    private readonly syncRuns: SyncRunsService,
  ) {}

  @Get()
  async list(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Query() query: unknown): Promise<void> {
    const q = readQuery({ tenant: z.string(), status: z.enum(CONNECTION_STATUSES), plugin: z.string().max(100), q: searchText, cursor: cursorText }, query);
    const scope = scopeOf(req.adminSession!, q.tenant);
    const [page, plugins, filter] = await Promise.all([this.query.list(scope, q, q.cursor), this.query.plugins(scope), this.tenants.filterOf(req.adminSession!, scope)]);
    await this.pages.page(req, reply, 'connections', { title: 'Connections', section: 'connections', q, page, plugins, statuses: CONNECTION_STATUSES, filter });
  }

  @Get(':id')
  async detail(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Param('id') idParam: string): Promise<void> {
    const { id, tenantId } = await this.locate(req, idParam);
    const scope = { tenantId };
    const [row, view, entityCounts, transitions, schedules, runs] = await Promise.all([
      this.query.row(tenantId, id),
      this.tenantContext.run(req, tenantId, () => this.connections.get(id)),
      this.query.entityCounts(tenantId, id), this.query.transitions(tenantId, id), this.query.schedules(tenantId, id),
      this.runs.list(scope, { connectionId: id }, undefined, 10),
    ]);
    const plugin = this.plugins.get(row.plugin);
    const counts = new Map(entityCounts.map((e) => [e.entity, e]));
    const entities = Object.entries(plugin?.entities ?? {}).map(([name, def]) => ({
      name, model: def.model, incremental: def.incremental, active: counts.get(name)?.active ?? 0, deleted: counts.get(name)?.deleted ?? 0,
      lastSyncedAt: counts.get(name)?.lastSyncedAt ?? null, schedule: schedules.find((s) => s.entity === name) ?? null,
    }));
    const expiresInMs = view.tokenExpiresAt ? new Date(view.tokenExpiresAt).getTime() - Date.now() : null;
    await this.pages.page(req, reply, 'connection', {
      title: row.name, section: 'connections', connection: row, view, pluginName: plugin?.displayName ?? row.plugin, entities,
      credentials: Object.entries(view.credentials).map(([name, value]) => ({ name, value })),
      settings: Object.entries(view.settings ?? {}).map(([name, value]) => ({ name, value })),
      transitions: [...transitions].reverse(), timeline: transitions, circuit: this.upstream.circuitState(id), runs,
      token: view.tokenExpiresAt ? { at: view.tokenExpiresAt, expired: expiresInMs! <= 0, soon: expiresInMs! > 0 && expiresInMs! < 86_400_000 } : null,
    });
  }

  @Post(':id/test')
  async test(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Param('id') idParam: string): Promise<void> {
    const { id, tenantId } = await this.locate(req, idParam);
    await this.pages.act(req, reply, `/admin/connections/${id}`, async () => {
      const check = await this.tenantContext.run(req, tenantId, () => this.connections.test(id, 'tested from the admin panel'));
      return {
        flash: check.ok
          ? { kind: 'ok', text: `Connection check passed${check.account ? ` (${check.account})` : ''} in ${check.latencyMs} ms.` }
          : { kind: 'error', text: `Connection check failed: ${check.detail ?? 'no detail'}` },
      };
    });
  }

  @Post(':id/sync')
  async sync(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Param('id') idParam: string, @Body() body: unknown): Promise<void> {
    const { id, tenantId } = await this.locate(req, idParam);
    await this.pages.act(req, reply, `/admin/connections/${id}`, async () => {
      const form = SyncForm.safeParse(body);
      if (!form.success) return { flash: { kind: 'error', text: 'Choose an entity and a mode to sync.' } };
      const run = await this.tenantContext.run(req, tenantId, () =>
        this.syncRuns.start(id, { entity: form.data.entity, mode: form.data.mode, dryRun: form.data.dryRun === 'on', trigger: 'admin' }));
      return { flash: { kind: 'ok', text: `Sync of ${run.entity} queued (${run.mode}${run.dryRun ? ', dry run' : ''}).` }, to: `/admin/sync-runs/${run.id}` };
    });
  }

  @Post(':id/disconnect')
  async disconnect(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Param('id') idParam: string, @Body() body: unknown): Promise<void> {
    const { id, tenantId } = await this.locate(req, idParam);
    const form = z.object({ confirm: z.literal('yes'), purge: z.literal('on').optional() }).safeParse(body);
    await this.pages.act(req, reply, `/admin/connections/${id}`, async () => {
      if (!form.success) return { flash: { kind: 'error', text: 'Tick the confirmation box to disconnect.' } };
      const done = await this.tenantContext.run(req, tenantId, () => this.connections.remove(id, form.data.purge === 'on'));
      const revocation = done.revocation === 'revoked' ? 'access revoked at the platform' : done.revocation === 'failed' ? 'revocation at the platform failed' : 'the platform has no revocation';
      return { flash: { kind: 'ok', text: `Disconnected (${revocation}; records ${done.purge ? 'deleted' : 'kept'}).` }, to: '/admin/connections' };
    });
  }

  @Get(':id/records')
  async recordList(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Param('id') idParam: string, @Query() query: unknown): Promise<void> {
    const { id, tenantId } = await this.locate(req, idParam);
    const row = await this.query.row(tenantId, id);
    const entities = Object.keys(this.plugins.get(row.plugin)?.entities ?? {});
    const q = readQuery({ entity: z.string().max(100), q: searchText, deleted: z.literal('on'), cursor: cursorText }, query);
    const entity = q.entity && entities.includes(q.entity) ? q.entity : entities[0];
    const page = entity ? await this.records.list({ tenantId, connectionId: id, plugin: row.plugin, entity }, { q: q.q, deleted: q.deleted === 'on' }, q.cursor) : { rows: [], next: null };
    await this.pages.page(req, reply, 'records', { title: `Records of ${row.name}`, section: 'connections', connection: row, entities, entity, q, page });
  }

  @Get(':id/records/:recordId')
  async record(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Param('id') idParam: string, @Param('recordId') recordId: string): Promise<void> {
    const { id, tenantId } = await this.locate(req, idParam);
    const [connection, record] = await Promise.all([this.query.row(tenantId, id), this.records.get(tenantId, id, recordId)]);
    await this.pages.page(req, reply, 'record', { title: `${record.entity} ${record.externalId}`, section: 'connections', connection, record });
  }

  /** The connection's id and tenant, within what this session may see (404 otherwise). */
  private async locate(req: AdminRequest, idParam: string): Promise<{ id: string; tenantId: string }> {
    const id = uuidOr404(idParam, 'connection');
    return { id, tenantId: await this.query.tenantOf(scopeOf(req.adminSession!), id) };
  }
}
