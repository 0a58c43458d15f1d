import { randomUUID } from 'node:crypto';
import { NotFoundException } from '@nestjs/common';
import type { PluginRegistry } from '../../src/core/plugin-host';
import type { UpstreamClientFactory } from '../../src/core/upstream';
import type { RequestContext } from '../../src/core/tenancy';
import { ConnectionAccess, type OpenedConnection, type OpenOptions } from '../../src/integrations/connections';

export interface TestConnection {
  id: string;
  tenantId: string;
  plugin: string;
  baseUrl: string;
  credentials: Record<string, string>;
}

/**
 * ConnectionAccess for tests of code that uses connections (syncs, actions): connections live in
 * memory, pointed at a simulator, with the process's real upstream client (its Redis budget shared
 * by every process, its circuit breaker, its retry-wait and circuit events). Unknown or other
 * tenants' ids: 404.
 */
export class TestConnectionAccess extends ConnectionAccess {
  private readonly connections = new Map<string, TestConnection>();

  constructor(
    private readonly plugins: PluginRegistry,
    private readonly context: RequestContext,
    private readonly upstream: UpstreamClientFactory,
  ) {
    super();
  }

  add(c: Omit<TestConnection, 'id'> & { id?: string }): string {
    const id = c.id ?? randomUUID();
    this.connections.set(id, { ...c, id });
    return id;
  }

  async open(connectionId: string, opts: OpenOptions = {}): Promise<OpenedConnection> {
    const c = this.connections.get(connectionId);
    if (!c || c.tenantId !== this.context.tenantId) throw new NotFoundException(`no connection ${connectionId}`);
    const plugin = this.plugins.get(c.plugin);
    if (!plugin) throw new NotFoundException(`no plugin ${c.plugin}`);
    const noop = () => undefined;
    const http = this.upstream.create({ plugin, connectionId, tenantId: c.tenantId, baseUrl: c.baseUrl, auth: plugin.auth[0], credentials: c.credentials, recorder: opts.recorder });
    return { connectionId, plugin, context: { tenantId: c.tenantId, connectionId, http, settings: {}, logger: { debug: noop, info: noop, warn: noop } } };
  }
}
