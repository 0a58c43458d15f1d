import { DEFAULT_UPSTREAM_POLICY, UpstreamClientFactory, type UpstreamPolicy } from '../upstream';
import type { AuthKind, PluginContext, PluginDefinition, SyncDefinition } from './plugin.types';

export interface PluginTestContext extends PluginContext {
  /** closes the connection pool the context opened */
  close(): Promise<void>;
}

/**
 * A plugin context wired to the real upstream client, for a plugin's own tests against its simulator.
 * Retries are quick so fault-injection tests stay fast.
 */
export function pluginTestContext(opts: {
  plugin: PluginDefinition;
  baseUrl: string;
  credentials: Record<string, string>;
  authKind?: AuthKind;
  settings?: Record<string, string>;
  policy?: Partial<UpstreamPolicy>;
}): PluginTestContext {
  const factory = new UpstreamClientFactory({ ...DEFAULT_UPSTREAM_POLICY, initialBackoffMs: 5, maxBackoffMs: 50, ...opts.policy });
  const auth = opts.authKind ? opts.plugin.auth.find((a) => a.kind === opts.authKind) : opts.plugin.auth[0];
  const connectionId = `test-${opts.plugin.name}`;
  const noop = () => undefined;
  return {
    tenantId: 'test-tenant',
    connectionId,
    settings: opts.settings ?? {},
    logger: { debug: noop, info: noop, warn: noop },
    http: factory.create({ plugin: opts.plugin, connectionId, baseUrl: opts.baseUrl, auth, credentials: opts.credentials }),
    close: () => factory.close(),
  };
}

/** Walks every page of a sync, as the sync engine would, and returns all raw records and reported deletions. */
export async function fetchAllPages<Raw>(sync: SyncDefinition<Raw, any>, ctx: PluginContext, modifiedSince: Date | null = null): Promise<{ records: Raw[]; deletedIds: string[]; pages: number }> {
  const records: Raw[] = [];
  const deletedIds: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await sync.fetchPage(ctx, { cursor, modifiedSince });
    records.push(...page.records);
    deletedIds.push(...(page.deletedIds ?? []));
    cursor = page.nextCursor;
    pages++;
  } while (cursor);
  return { records, deletedIds, pages };
}
