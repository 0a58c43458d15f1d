import { DEFAULT_UPSTREAM_POLICY, UpstreamClientFactory, type UpstreamPolicy } from '../upstream';
import { z } from 'zod';
import { UpstreamError, type UpstreamHttp, type UpstreamRequest } from './http.types';
import type { AuthKind, PluginContext, PluginDefinition, RunningSimulator, SyncDefinition } from './plugin.types';
import { formatForPublishing, type MediaReader, type PublishContent, type PublishedPart, type PublishResult } from './publishing';

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

/** A publish through a plugin's publisher, as the publishing service does it: format, check the options, publish. */
export async function publishThrough(
  plugin: PluginDefinition,
  ctx: PluginContext,
  content: Partial<PublishContent> & Pick<PublishContent, 'text'>,
  opts: { options?: unknown; media?: MediaReader; resume?: PublishedPart[] } = {},
): Promise<PublishResult & { recordedParts: PublishedPart[] }> {
  const publisher = plugin.publisher;
  if (!publisher) throw new Error(`${plugin.name} has no publisher`);
  const recordedParts: PublishedPart[] = [];
  const formatted = formatForPublishing(publisher, { contentType: 'post', media: [], tags: [], links: [], ...content });
  const result = await publisher.publish({
    ...ctx,
    media: opts.media ?? { read: () => Promise.reject(new Error('this test gives no media')) },
    resume: opts.resume ?? [],
    partPublished: async (part) => void recordedParts.push(part),
  }, formatted, (publisher.options ?? z.object({})).parse(opts.options ?? {}));
  return { ...result, recordedParts };
}

export interface SimulatedPlugin<S extends RunningSimulator> {
  sim: S;
  /** a context whose HTTP client talks to the simulator with the credentials it accepts */
  ctx: PluginTestContext;
  close(): Promise<void>;
}

/** Starts a plugin's simulator and a test context pointed at it: the set-up every plugin spec shares. */
export async function simulatePlugin<S extends RunningSimulator, O>(plugin: PluginDefinition, start: (opts?: O) => Promise<S>, opts?: O): Promise<SimulatedPlugin<S>> {
  const sim = await start(opts);
  const ctx = pluginTestContext({ plugin, baseUrl: sim.url, credentials: sim.credentials });
  return {
    sim, ctx,
    close: async () => {
      await ctx.close();
      await sim.close();
    },
  };
}

/** Calls a simulator's control endpoint (`/__sim/faults`, `/__sim/reset`, ...) and answers its JSON. */
export async function simControl(sim: { url: string }, name: string, body?: unknown): Promise<any> {
  const res = await fetch(`${sim.url}/__sim/${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
  if (!res.ok) throw new Error(`simulator control ${name}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** The status a request ends with, errors included: for conformance runs that record refusals on purpose. */
export async function requestStatus(http: UpstreamHttp, req: UpstreamRequest): Promise<number> {
  try {
    return (await http.request(req)).status;
  } catch (e) {
    if (e instanceof UpstreamError) return e.status;
    throw e;
  }
}
