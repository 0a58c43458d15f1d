import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EventBus } from '../../core/events';
import type { PluginDefinition } from '../../core/plugin-sdk';
import { RequestContext } from '../../core/tenancy';
import { VaultService } from '../../core/vault';
import { Connection } from '../connections';
import { systemPrincipal } from './webhooks.constants';

/** A connection a delivery may be for, with the secret its signature must verify against (null: none configured). */
export interface ResolvedConnection {
  id: string;
  tenantId: string;
  secret: string | null;
}

export type WebhookTarget = { connectionId: string } | { routingValue: string };

/** Secrets are read again after this long, so a rotated secret or a deleted connection takes effect soon in every process. */
const TTL_MS = 10_000;
const MAX_CACHED = 10_000;

/**
 * Finds which connection an inbound delivery is for, before any tenant is known: by the id in the
 * URL, or (app-level webhooks) by the plugin's routing setting matching the value the payload names.
 * Reads the signing secret from the vault as that connection's tenant, and keeps both briefly so a
 * burst of deliveries costs no query each; a deletion in this process clears the cache at once.
 */
@Injectable()
export class WebhookConnectionResolver implements OnModuleInit, OnModuleDestroy {
  private readonly cache = new Map<string, { at: number; value: Promise<ResolvedConnection[]> }>();
  private unsubscribe?: () => void;

  constructor(
    private readonly dataSource: DataSource,
    private readonly vault: VaultService,
    private readonly context: RequestContext,
    private readonly events: EventBus,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.events.on('connection.deleted', () => this.cache.clear());
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  resolve(plugin: PluginDefinition, target: WebhookTarget): Promise<ResolvedConnection[]> {
    const key = 'connectionId' in target ? `${plugin.name}:id:${target.connectionId}` : `${plugin.name}:route:${target.routingValue}`;
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.value;
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    const value = this.lookUp(plugin, target);
    this.cache.set(key, { at: Date.now(), value });
    // a failed lookup (the database unreachable) is not remembered
    value.catch(() => this.cache.delete(key));
    return value;
  }

  private async lookUp(plugin: PluginDefinition, target: WebhookTarget): Promise<ResolvedConnection[]> {
    const qb = this.dataSource.manager.createQueryBuilder(Connection, 'c')
      .select(['c.id', 'c.tenantId', 'c.vaultEntryId'])
      .where('c.plugin = :plugin', { plugin: plugin.name });
    if ('connectionId' in target) qb.andWhere('c.id = :id', { id: target.connectionId });
    else qb.andWhere('c.settings ->> :setting = :value', { setting: plugin.webhooks!.routingSetting, value: target.routingValue }).take(50);
    const rows = await qb.getMany();
    return Promise.all(rows.map(async (c) => ({
      id: c.id,
      tenantId: c.tenantId,
      secret: await this.context.runAsTenant(systemPrincipal(c.tenantId, 'webhooks'), async () => (await this.vault.get(c.vaultEntryId))[plugin.webhooks!.secretField] ?? null),
    })));
  }
}
