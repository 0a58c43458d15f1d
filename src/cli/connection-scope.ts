import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RequestContext, type Tenant } from '../core/tenancy';
import { ConnectionsService, type ConnectionView } from '../integrations/connections';
import { UnknownNameError } from './name-suggestion';
import { cliPrincipal, tenantsInScope } from './tenant-lookup';

export interface ScopedConnection {
  tenant: Tenant;
  connection: ConnectionView;
}

export interface ConnectionFilter {
  /** a tenant id or slug; every active tenant when absent */
  tenant?: string;
  plugin?: string;
  /** a connection id or name */
  connection?: string;
}

/** What several commands share: the connections an operator's filters pick, across tenants, and acting inside a tenant. */
@Injectable()
export class ConnectionScope {
  constructor(
    private readonly dataSource: DataSource,
    private readonly connections: ConnectionsService,
    private readonly context: RequestContext,
  ) {}

  /** Each tenant's connections are read in that tenant's context; a named connection that matches none is an error with a suggestion. */
  async find(filter: ConnectionFilter): Promise<ScopedConnection[]> {
    const found: ScopedConnection[] = [];
    const names: string[] = [];
    for (const tenant of await tenantsInScope(this.dataSource, filter.tenant)) {
      const all = await this.inTenant(tenant, () => this.connections.list());
      for (const connection of all) {
        if (filter.plugin && connection.plugin !== filter.plugin) continue;
        names.push(connection.name);
        if (filter.connection && connection.id !== filter.connection && connection.name !== filter.connection) continue;
        found.push({ tenant, connection });
      }
    }
    if (filter.connection && !found.length) throw new UnknownNameError('connection', filter.connection, [...new Set(names)].sort());
    return found;
  }

  inTenant<T>(tenant: Tenant, fn: () => Promise<T>): Promise<T> {
    return this.context.runAsTenant(cliPrincipal(tenant), fn, `cli-${tenant.id}`);
  }
}
