import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../../core/config';
import { TenantDb } from '../../core/tenancy';
import { ConnectionLifecycle, type LifecycleConnection } from '../connections';
import { WebhookSubscriptionRecord } from './webhook-event.entity';

/**
 * Registers a new connection's webhook URL at the platform, for plugins that can (and when the
 * connection brought no signing secret of its own), keeping the secret the platform issues as the
 * connection's `webhookSecret`; removes the registration when the connection is removed.
 */
@Injectable()
export class WebhookSubscriptionsService implements OnModuleInit, OnModuleDestroy {
  private unregister?: () => void;
  private readonly publicUrl: string;

  constructor(
    private readonly lifecycle: ConnectionLifecycle,
    private readonly db: TenantDb,
    @Inject(PLUGBOARD_CONFIG) config: PlugboardConfig,
  ) {
    this.publicUrl = config.PUBLIC_URL.replace(/\/+$/, '');
  }

  onModuleInit(): void {
    this.unregister = this.lifecycle.register({ created: (c) => this.subscribe(c), removing: (c) => this.unsubscribe(c) });
  }

  onModuleDestroy(): void {
    this.unregister?.();
  }

  private async subscribe(c: LifecycleConnection): Promise<Record<string, string> | void> {
    const hooks = c.plugin.webhooks;
    if (!hooks?.subscribe || c.credentialFields.includes(hooks.secretField)) return;
    const url = `${this.publicUrl}/webhooks/${c.plugin.name}/${c.connectionId}`;
    const sub = await hooks.subscribe(c.context, { url });
    await this.db.repo(WebhookSubscriptionRecord).insert({ connectionId: c.connectionId, plugin: c.plugin.name, externalId: sub.id, url, createdAt: new Date() });
    return sub.secret ? { [hooks.secretField]: sub.secret } : undefined;
  }

  private async unsubscribe(c: LifecycleConnection): Promise<void> {
    const sub = await this.db.repo(WebhookSubscriptionRecord).findOne({ connectionId: c.connectionId });
    if (!sub) return;
    try {
      await c.plugin.webhooks?.unsubscribe?.(c.context, { id: sub.externalId });
    } finally {
      await this.db.repo(WebhookSubscriptionRecord).delete({ connectionId: c.connectionId });
    }
  }
}
