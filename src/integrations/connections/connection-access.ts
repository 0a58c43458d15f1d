import type { PluginContext, PluginDefinition } from '../../core/plugin-sdk';
import type { UpstreamRecorder } from '../../core/upstream';

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
  abstract open(connectionId: string, opts?: OpenOptions): Promise<OpenedConnection>;
}

export interface OpenOptions {
  /** recording mode: the context's client hands writes to this instead of sending them (workflow test runs) */
  recorder?: UpstreamRecorder;
}
