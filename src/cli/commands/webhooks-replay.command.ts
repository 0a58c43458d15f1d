import { ConflictException, NotFoundException } from '@nestjs/common';
import { Option, SubCommand } from 'nest-commander';
import { DataSource } from 'typeorm';
import { PluginRegistry } from '../../core/plugin-host';
import type { Tenant } from '../../core/tenancy';
import { WebhookEventsService, type WebhookEventView } from '../../integrations/webhooks';
import { printRows } from '../cli-output';
import { ConnectionScope } from '../connection-scope';
import { JsonOutputCommand } from '../json-output-command';
import { findPlugin } from '../plugin-lookup';
import { tenantsInScope } from '../tenant-lookup';

/** Events that are not queued or running already; replaying takes them through processing again. */
const REPLAYABLE = ['dead', 'failed', 'processed'] as const satisfies readonly WebhookEventView['status'][];
type Replayable = (typeof REPLAYABLE)[number];

interface Opts { tenant?: string; status?: Replayable; plugin?: string; connection?: string; since?: Date; limit: number; json?: boolean }

interface Replayed {
  tenant: string;
  id: string;
  plugin: string | null;
  type: string | null;
  was: string | null;
  status: string;
  detail: string | null;
}

/**
 * `plugboard webhooks replay`: inbound events processed again, through the same outbox and queue as
 * the API's replay: the ones named, or (by default) the dead-lettered ones of every tenant, once the
 * cause of their failure is fixed. A worker processes them.
 */
@SubCommand({ name: 'replay', arguments: '[ids...]', description: 'Process inbound webhook events again: those named, or every dead-lettered one the filters pick' })
export class WebhooksReplayCommand extends JsonOutputCommand {
  constructor(
    private readonly dataSource: DataSource,
    private readonly scope: ConnectionScope,
    private readonly events: WebhookEventsService,
    private readonly registry: PluginRegistry,
  ) {
    super();
  }

  async run(ids: string[], o: Opts): Promise<void> {
    if (o.plugin) findPlugin(this.registry, o.plugin);
    const tenants = await tenantsInScope(this.dataSource, o.tenant);
    const done = ids.length ? await this.replayNamed(ids, tenants) : await this.replayMatching(tenants, o);
    printRows(done, [
      { header: 'TENANT', value: (r) => r.tenant },
      { header: 'EVENT', value: (r) => r.id },
      { header: 'PLUGIN', value: (r) => r.plugin },
      { header: 'TYPE', value: (r) => r.type },
      { header: 'WAS', value: (r) => r.was },
      { header: 'NOW', value: (r) => r.status },
      { header: 'DETAIL', value: (r) => r.detail },
    ], o.json);
    if (!o.json) process.stderr.write(`${done.filter((r) => r.status === 'pending').length} event(s) queued again; a worker processes them\n`);
    if (done.some((r) => r.status === 'not found')) process.exitCode = 1;
  }

  /** Each id is looked for in the tenants in scope; one no tenant has is reported, and the exit code is 1. */
  private async replayNamed(ids: string[], tenants: Tenant[]): Promise<Replayed[]> {
    const out: Replayed[] = [];
    for (const id of ids) {
      let found: Replayed | null = null;
      for (const tenant of tenants) {
        found = await this.scope.inTenant(tenant, () => this.replayOne(tenant, id)).catch((e: unknown) => {
          if (e instanceof NotFoundException) return null;
          throw e;
        });
        if (found) break;
      }
      out.push(found ?? { tenant: '-', id, plugin: null, type: null, was: null, status: 'not found', detail: 'no event with this id in the tenants searched' });
    }
    return out;
  }

  private async replayMatching(tenants: Tenant[], o: Opts): Promise<Replayed[]> {
    const connections = o.connection ? await this.scope.find({ tenant: o.tenant, plugin: o.plugin, connection: o.connection }) : null;
    const out: Replayed[] = [];
    for (const tenant of tenants) {
      const inTenant = connections?.filter((c) => c.tenant.id === tenant.id).map((c) => c.connection.id) ?? [undefined];
      for (const connectionId of inTenant) {
        const { data } = await this.scope.inTenant(tenant, () => this.events.list({ status: o.status ?? 'dead', plugin: o.plugin, connectionId, from: o.since, limit: o.limit - out.length }));
        for (const e of data) out.push(await this.scope.inTenant(tenant, () => this.replayOne(tenant, e.id)));
        if (out.length >= o.limit) return out;
      }
    }
    return out;
  }

  private async replayOne(tenant: Tenant, id: string): Promise<Replayed> {
    const before = await this.events.get(id);
    const row = { tenant: tenant.slug, id, plugin: before.plugin, type: before.type, was: before.status };
    try {
      return { ...row, status: (await this.events.replay(id)).status, detail: null };
    } catch (e) {
      if (e instanceof ConflictException) return { ...row, status: before.status, detail: e.message };
      throw e;
    }
  }

  @Option({ flags: '--tenant <idOrSlug>', description: 'only this tenant (default: every active tenant)' })
  parseTenant(v: string): string { return v; }

  @Option({ flags: '--status <status>', description: `without ids, the events to replay: ${REPLAYABLE.join(', ')} (default dead)` })
  parseStatus(v: string): Replayable {
    if (!(REPLAYABLE as readonly string[]).includes(v)) throw new Error(`--status must be one of ${REPLAYABLE.join(', ')}`);
    return v as Replayable;
  }

  @Option({ flags: '--plugin <name>', description: "only this plugin's events" })
  parsePlugin(v: string): string { return v; }

  @Option({ flags: '--connection <idOrName>', description: "only this connection's events" })
  parseConnection(v: string): string { return v; }

  @Option({ flags: '--since <iso>', description: 'only events received at or after this instant (ISO 8601)' })
  parseSince(v: string): Date {
    const at = new Date(v);
    if (Number.isNaN(at.getTime())) throw new Error('--since must be an ISO 8601 instant, e.g. 2026-11-23T10:00:00Z');
    return at;
  }

  @Option({ flags: '--limit <n>', description: 'at most this many events (default 100)', defaultValue: 100 })
  parseLimit(v: string): number {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new Error('--limit must be a whole number from 1 to 10000');
    return n;
  }
}
