import { ConflictException } from '@nestjs/common';
import { Command, Option } from 'nest-commander';
import { PluginRegistry } from '../../core/plugin-host';
import { pausedUntil } from '../../core/upstream';
import { RUN_ATTEMPTS, SyncEngine, SyncRunsService, toRunView, type SyncRun, type SyncRunView } from '../../integrations/sync';
import { formatDuration, formatTable, printJson } from '../cli-output';
import { JsonOutputCommand } from '../json-output-command';
import { ConnectionScope, type ScopedConnection } from '../connection-scope';
import { UnknownNameError } from '../name-suggestion';
import { findPlugin } from '../plugin-lookup';
import { SyncProgress, type RunLine } from '../sync-progress';

interface SyncOptions {
  tenant?: string;
  connection?: string;
  entity?: string;
  full?: boolean;
  dryRun?: boolean;
  force?: boolean;
  json?: boolean;
}

interface SyncTarget extends ScopedConnection {
  entity: string;
}

interface SyncOutcome {
  target: SyncTarget;
  status: 'succeeded' | 'failed' | 'skipped' | 'paused';
  run: SyncRunView | null;
  detail: string | null;
}

/** runs at once: enough to overlap two platforms' latency, few enough not to crowd a shared database */
const CONCURRENCY = 2;
const POLL_MS = 200;
/** how long a run handed to the queue (Ctrl-C) waits, so this process has stopped writing before a worker resumes it */
const HANDOFF_DELAY_MS = 5_000;

/**
 * `plugboard sync`: runs syncs now, in this process, through the same SyncRunsService and SyncEngine
 * the API and the worker use. Exit code 1 when any run failed.
 */
@Command({
  name: 'sync',
  arguments: '[plugin]',
  description: "Run syncs now (every connection's entities, or those the filters pick); exit code 1 if any run failed",
})
export class SyncCommand extends JsonOutputCommand {
  constructor(
    private readonly registry: PluginRegistry,
    private readonly scope: ConnectionScope,
    private readonly runs: SyncRunsService,
    private readonly engine: SyncEngine,
  ) {
    super();
  }

  async run([pluginName]: string[], o: SyncOptions): Promise<void> {
    if (pluginName) findPlugin(this.registry, pluginName);
    const targets = await this.targets(pluginName, o);
    if (!targets.length) {
      if (o.json) printJson([]);
      else process.stdout.write(`nothing to sync: no ${[pluginName, 'connections'].filter(Boolean).join(' ')}${o.tenant ? ` in tenant ${o.tenant}` : ''}\n`);
      return;
    }
    if (o.dryRun && !o.json) process.stdout.write('dry run: nothing is written; the counts say what a real run would change\n');

    const progress = new SyncProgress(process.stderr);
    const active = new Map<string, SyncTarget>();
    const handOff = () => void this.handOff(active);
    process.once('SIGINT', handOff);
    process.once('SIGTERM', handOff);
    let outcomes: SyncOutcome[];
    try {
      outcomes = await inPool(targets, CONCURRENCY, (t) => this.execute(t, o, progress, active));
    } finally {
      progress.stop();
      process.off('SIGINT', handOff);
      process.off('SIGTERM', handOff);
    }

    if (o.json) printJson(outcomes.map((r) => ({ tenant: r.target.tenant.slug, connection: r.target.connection.name, connectionId: r.target.connection.id, plugin: r.target.connection.plugin, entity: r.target.entity, status: r.status, detail: r.detail, run: r.run })));
    else process.stdout.write(summary(outcomes));
    if (outcomes.some((r) => r.status === 'failed')) process.exitCode = 1;
  }

  /** Every (connection, entity) the filters pick; disabled connections only when named. */
  private async targets(plugin: string | undefined, o: SyncOptions): Promise<SyncTarget[]> {
    const scoped = (await this.scope.find({ tenant: o.tenant, plugin, connection: o.connection }))
      .filter((s) => s.connection.status !== 'disabled' || o.connection);
    const targets: SyncTarget[] = [];
    const entityNames = new Set<string>();
    for (const s of scoped) {
      const entities = Object.keys(this.registry.get(s.connection.plugin)?.entities ?? {});
      entities.forEach((e) => entityNames.add(e));
      for (const entity of entities) if (!o.entity || o.entity === entity) targets.push({ ...s, entity });
    }
    if (o.entity && scoped.length && !targets.length) throw new UnknownNameError('entity', o.entity, [...entityNames].sort());
    return targets;
  }

  private execute(t: SyncTarget, o: SyncOptions, progress: SyncProgress, active: Map<string, SyncTarget>): Promise<SyncOutcome> {
    const line = progress.add(`${t.tenant.slug} ${t.connection.name} ${t.connection.plugin}/${t.entity}`);
    return this.scope.inTenant(t.tenant, async () => {
      let run: SyncRun;
      try {
        run = await this.runs.start(t.connection.id, { entity: t.entity, mode: o.full ? 'full' : 'incremental', dryRun: o.dryRun, force: o.force, trigger: 'cli' }, { queue: false });
      } catch (e) {
        const status = e instanceof ConflictException ? 'skipped' : 'failed';
        progress.finished(line, status);
        return { target: t, status, run: null, detail: (e as Error).message };
      }
      progress.started(line, toRunView(run), await this.previousPages(t, run.id));
      active.set(run.id, t);
      const poll = setInterval(() => void this.runs.get(run.id).then((r) => progress.updated(line, toRunView(r)), () => undefined), POLL_MS);
      try {
        return await this.walk(t, run.id, line, progress);
      } finally {
        clearInterval(poll);
        active.delete(run.id);
      }
    });
  }

  /**
   * Executes the run as a worker's job would: a transient failure is tried once more from the
   * checkpoint; a pause (open circuit, used-up quota) hands the run to the queue for when calls may resume.
   */
  private async walk(t: SyncTarget, runId: string, line: RunLine, progress: SyncProgress): Promise<SyncOutcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        const done = toRunView((await this.engine.execute(runId, { lastAttempt: attempt === 2 }))!);
        // a run over the plan's records allowance pauses at its checkpoint rather than failing
        const status = done.status === 'succeeded' || done.status === 'paused' ? done.status : 'failed';
        progress.finished(line, status, done);
        return { target: t, status, run: done, detail: done.error };
      } catch (e) {
        const until = pausedUntil(e);
        if (!until && attempt < 2) continue;
        if (!until) throw e;
        await this.runs.resumeAt(runId, until, RUN_ATTEMPTS);
        const view = toRunView(await this.runs.get(runId));
        progress.finished(line, 'paused', view);
        return { target: t, status: 'paused', run: view, detail: `${(e as Error).message}; queued for a worker to resume at ${until.toISOString()}` };
      }
    }
  }

  /** The size of the last complete run of this stream, so the bar can show how far along this one is. */
  private async previousPages(t: SyncTarget, runId: string): Promise<number | null> {
    const { data } = await this.runs.list({ connectionId: t.connection.id, limit: 20 });
    return data.find((r) => r.id !== runId && r.entity === t.entity && r.status === 'succeeded' && r.pages > 0)?.pages ?? null;
  }

  /** Ctrl-C: unfinished runs go to the worker queue (in their tenant's context, as any job), which resumes them from their checkpoint. */
  private async handOff(active: Map<string, SyncTarget>): Promise<void> {
    for (const [id, t] of active) {
      const resumeAt = new Date(Date.now() + HANDOFF_DELAY_MS);
      const queued = await this.scope.inTenant(t.tenant, () => this.runs.resumeAt(id, resumeAt, RUN_ATTEMPTS)).then(() => null, (e: Error) => e.message);
      process.stderr.write(queued === null
        ? `\ninterrupted: run ${id} queued for a worker to resume from its checkpoint\n`
        : `\ninterrupted: run ${id} could not be queued (${queued}); it stays marked running, and new runs of ${t.entity} on that connection are refused while it is\n`);
    }
    process.exit(130);
  }

  @Option({ flags: '--tenant <idOrSlug>', description: 'only this tenant (default: every active tenant)' })
  parseTenant(v: string): string { return v; }

  @Option({ flags: '--connection <idOrName>', description: 'only this connection' })
  parseConnection(v: string): string { return v; }

  @Option({ flags: '--entity <name>', description: "only this entity (e.g. contacts); default: every entity of the connection's plugin" })
  parseEntity(v: string): string { return v; }

  @Option({ flags: '--full', description: 'a full run (re-reads everything and sweeps deletions) instead of incremental' })
  parseFull(): boolean { return true; }

  @Option({ flags: '--dry-run', description: 'fetch and compare, report what would change, write nothing' })
  parseDryRun(): boolean { return true; }

  @Option({ flags: '--force', description: 'let a full run delete more records than the delete guard allows' })
  parseForce(): boolean { return true; }
}

/** Runs fn over items, at most `limit` at a time, keeping the items' order in the results. */
async function inPool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function summary(outcomes: SyncOutcome[]): string {
  const table = formatTable(outcomes, [
    { header: 'TENANT', value: (r) => r.target.tenant.slug },
    { header: 'CONNECTION', value: (r) => r.target.connection.name },
    { header: 'PLUGIN', value: (r) => r.target.connection.plugin },
    { header: 'ENTITY', value: (r) => r.target.entity },
    { header: 'MODE', value: (r) => r.run?.mode },
    { header: 'STATUS', value: (r) => r.status },
    { header: 'ADDED', value: (r) => r.run?.counts.added, align: 'right' },
    { header: 'UPDATED', value: (r) => r.run?.counts.updated, align: 'right' },
    { header: 'DELETED', value: (r) => r.run?.counts.deleted, align: 'right' },
    { header: 'UNCHANGED', value: (r) => r.run?.counts.unchanged, align: 'right' },
    { header: 'DURATION', value: (r) => formatDuration(r.run?.durationMs), align: 'right' },
  ]);
  const notes = outcomes.filter((r) => r.detail).map((r) => `${r.status}: ${r.target.tenant.slug} ${r.target.connection.name} ${r.target.entity}: ${r.detail}\n`);
  const failed = outcomes.filter((r) => r.status === 'failed').length;
  return `${table}${notes.join('')}${outcomes.length} run(s), ${failed} failed\n`;
}
