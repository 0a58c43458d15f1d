import { randomUUID } from 'node:crypto';
import { NotFoundException } from '@nestjs/common';
import type { EventBus } from '../../src/core/events';
import type { PluginRegistry } from '../../src/core/plugin-host';
import { DEFAULT_UPSTREAM_POLICY, UpstreamClientFactory, type UpstreamPolicy } from '../../src/core/upstream';
import type { RequestContext } from '../../src/core/tenancy';
import { ConnectionAccess, type OpenedConnection } from '../../src/integrations/connections';
import { RETRY_WAIT_EVENT } from '../../src/integrations/sync';

export interface TestConnection {
  id: string;
  tenantId: string;
  plugin: string;
  baseUrl: string;
  credentials: Record<string, string>;
}

/**
 * ConnectionAccess for tests of code that uses connections (syncs, actions): connections live in
 * memory, pointed at a simulator, with the real upstream client (quick backoff). Retry waits become
 * `upstream.retry_wait` events, as the sync engine counts them. Unknown or other tenants' ids: 404.
 */
export class TestConnectionAccess extends ConnectionAccess {
  private readonly connections = new Map<string, TestConnection>();
  readonly factory: UpstreamClientFactory;

  constructor(
    private readonly plugins: PluginRegistry,
    private readonly events: EventBus,
    private readonly context: RequestContext,
    policy: Partial<UpstreamPolicy> = {},
  ) {
    super();
    this.factory = new UpstreamClientFactory({ ...DEFAULT_UPSTREAM_POLICY, initialBackoffMs: 5, maxBackoffMs: 50, ...policy }, {
      onRetryWait: (e) => {
        const tenantId = e.tenantId ?? this.context.principal?.tenantId;
        if (tenantId) this.events.emit(RETRY_WAIT_EVENT, tenantId, { ...e });
      },
    });
  }

  add(c: Omit<TestConnection, 'id'> & { id?: string }): string {
    const id = c.id ?? randomUUID();
    this.connections.set(id, { ...c, id });
    return id;
  }

  async open(connectionId: string): Promise<OpenedConnection> {
    const c = this.connections.get(connectionId);
    if (!c || c.tenantId !== this.context.tenantId) throw new NotFoundException(`no connection ${connectionId}`);
    const plugin = this.plugins.get(c.plugin);
    if (!plugin) throw new NotFoundException(`no plugin ${c.plugin}`);
    const noop = () => undefined;
    const http = this.factory.create({ plugin, connectionId, tenantId: c.tenantId, baseUrl: c.baseUrl, auth: plugin.auth[0], credentials: c.credentials });
    return { connectionId, plugin, context: { tenantId: c.tenantId, connectionId, http, settings: {}, logger: { debug: noop, info: noop, warn: noop } } };
  }
}
