import type { PluginContext, PluginDefinition } from '../../core/plugin-sdk';

/** A connection opened for work: its plugin, and a context whose HTTP client is authenticated for it. */
export interface OpenedConnection {
  connectionId: string;
  plugin: PluginDefinition;
  context: PluginContext;
}

/**
 * How syncs, actions and workflows reach a connection, without knowing about credentials, tokens
 * or refreshes. Works in the current tenant's context; an unknown id (or another tenant's) throws NotFound.
 */
export abstract class ConnectionAccess {
  abstract open(connectionId: string): Promise<OpenedConnection>;
}
