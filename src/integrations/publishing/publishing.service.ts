import { ConflictException, HttpException, Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import type { Queue } from 'bull';
import { DataSource, In } from 'typeorm';
import { ZodError } from 'zod';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../../core/config';
import { ValidationFailedException, type FieldError } from '../../core/http';
import { PluginRegistry } from '../../core/plugin-host';
import {
  formatForPublishing, PublishRejection, UpstreamError, z,
  type ContentType, type PluginDefinition, type PublishContent, type PublishedPart, type PublishMedia, type PublishResult,
} from '../../core/plugin-sdk';
import { TenantJobs } from '../../core/queue';
import { RequestContext, TenantDb } from '../../core/tenancy';
import { pausedUntil } from '../../core/upstream';
import { Connection, ConnectionAccess, ConnectionNeedsReauthError } from '../connections';
import { MediaFetcher } from './media-fetcher';
import { Publication, PublicationTarget, type PublicationStatus, type TargetStatus } from './publication.entity';

export const PUBLISH_QUEUE = 'publishing';
/** one attempt at one platform: a retry, or the watchdog of an attempt in flight */
export const ATTEMPT_JOB = 'attempt';
/** a scheduled publication's time has come */
export const SCHEDULED_JOB = 'scheduled';

/** An attempt still marked in flight after this long was lost with its process: another takes it over. */
const STALE_CLAIM_MS = 15 * 60_000;
/** how much earlier than its time a retry may start, for clock differences between processes and the database */
const CLOCK_TOLERANCE_MS = 2000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface PublishInput {
  content: string;
  /** connection ids, or plugin names (every connection of the tenant's with that plugin) */
  platforms: string[];
  contentType?: ContentType;
  media?: PublishMedia[];
  metadata?: { tags?: string[]; links?: string[]; title?: string };
  /** per plugin name, what its publisher's options take */
  options?: Record<string, unknown>;
  /** publish then (a delayed job) instead of now */
  scheduleAt?: Date | null;
}

export interface PlatformResultView {
  id: string;
  connectionId: string;
  plugin: string;
  status: TargetStatus;
  externalId: string | null;
  url: string | null;
  /** a thread's posts, first to last */
  parts: PublishedPart[];
  error: { code: string; message: string } | null;
  attempts: number;
  nextAttemptAt: Date | null;
  publishedAt: Date | null;
}

export interface PublicationView {
  id: string;
  status: PublicationStatus;
  contentType: ContentType;
  content: string;
  title: string | null;
  media: PublishMedia[];
  metadata: { tags: string[]; links: string[] };
  options: Record<string, unknown>;
  scheduleAt: Date | null;
  createdAt: Date;
  finishedAt: Date | null;
  platforms: PlatformResultView[];
}

interface Failure {
  retryable: boolean;
  code: string;
  message: string;
  /** the platform asked not to be called before then */
  notBefore?: Date;
}

/** What a publication is, from its platforms' outcomes. */
export function publicationStatus(targets: readonly TargetStatus[], scheduleAt: Date | null, now = new Date()): PublicationStatus {
  const published = targets.filter((s) => s === 'published').length;
  if (published === targets.length) return 'published';
  if (published > 0) return 'partial';
  if (targets.every((s) => s === 'failed')) return 'failed';
  if (scheduleAt && scheduleAt > now && targets.every((s) => s === 'pending' || s === 'failed')) return 'scheduled';
  return 'publishing';
}

/**
 * Cross-platform publishing: resolves the platforms a request names to the tenant's connections,
 * formats the content to each platform's rules through its plugin's publisher, publishes now (in the
 * request) or at scheduleAt (a delayed job), and keeps a result per platform. A platform that fails
 * with something that may pass (a 5xx, a 429, the network, a pause the platform asked for) is retried
 * on the queue with doubling delays, never sooner than the platform asked; one that refuses the
 * content fails at once. Each attempt is claimed in the database first, so two processes never
 * publish the same platform's post twice.
 */
@Injectable()
export class PublishingService {
  private readonly log = new Logger(PublishingService.name);

  constructor(
    private readonly db: TenantDb,
    private readonly dataSource: DataSource,
    private readonly context: RequestContext,
    private readonly plugins: PluginRegistry,
    private readonly access: ConnectionAccess,
    private readonly jobs: TenantJobs,
    @InjectQueue(PUBLISH_QUEUE) private readonly queue: Queue,
    private readonly media: MediaFetcher,
    @Inject(PLUGBOARD_CONFIG) private readonly config: PlugboardConfig,
  ) {}

  /** Creates the publication and publishes it now, or schedules it; the answer holds each platform's result. */
  async publish(input: PublishInput): Promise<PublicationView> {
    const targets = await this.resolve(input.platforms);
    const options = this.checkOptions(input.options ?? {}, targets.map((t) => t.plugin));
    const content: PublishContent = {
      contentType: input.contentType ?? 'post', text: input.content, title: input.metadata?.title, media: input.media ?? [],
      tags: input.metadata?.tags ?? [], links: input.metadata?.links ?? [],
    };
    const scheduleAt = input.scheduleAt && input.scheduleAt.getTime() > Date.now() ? input.scheduleAt : null;
    const publication = await this.db.transaction(async (repo) => {
      const p = await repo(Publication).insert({
        contentType: content.contentType, content: content.text, title: content.title ?? null, media: content.media, tags: content.tags, links: content.links,
        // TypeORM's partial-entity type cannot express a JSON map of unknown values
        options: options as never, status: scheduleAt ? 'scheduled' : 'publishing', scheduleAt, createdBy: this.context.principal?.actorId ?? null, finishedAt: null,
      });
      for (const t of targets) {
        // a platform whose rules the content breaks fails now, with the reason; the others go on
        const rejection = rejectionOf(t.plugin, content);
        await repo(PublicationTarget).insert({
          publicationId: p.id, connectionId: t.connectionId, plugin: t.plugin.name, status: rejection ? 'failed' : 'pending', externalId: null, url: null,
          parts: [], errorCode: rejection?.code ?? null, error: rejection?.message ?? null, attempts: 0, nextAttemptAt: null, claimedAt: null, publishedAt: null,
        });
      }
      return p;
    });
    if (scheduleAt) {
      await this.jobs.enqueue(this.queue, SCHEDULED_JOB, { publicationId: publication.id }, { jobId: `publication:${publication.id}`, delay: scheduleAt.getTime() - Date.now() });
      await this.refreshStatus(publication.id);
    } else {
      await this.publishPending(publication.id);
    }
    return this.get(publication.id);
  }

  async get(id: string): Promise<PublicationView> {
    const publication = await this.db.repo(Publication).findOne({ id });
    if (!publication) throw new NotFoundException(`no publication ${id}`);
    return toView(publication, await this.db.repo(PublicationTarget).find({ publicationId: id }, { order: { plugin: 'ASC', connectionId: 'ASC' } }));
  }

  /** Newest first; keyset on created_at via the id of the previous page's last publication. */
  async list(filter: { limit: number; cursor?: string; status?: PublicationStatus }): Promise<{ data: PublicationView[]; nextCursor: string | null }> {
    const qb = this.db.repo(Publication).query('p');
    if (filter.status) qb.andWhere('p.status = :status', { status: filter.status });
    if (filter.cursor) {
      // compared in SQL: created_at has microseconds a JS Date would drop
      qb.andWhere('(p.created_at, p.id) < (SELECT c.created_at, c.id FROM publications c WHERE c.id = :cursor AND c.tenant_id = :__tenantId)', { cursor: filter.cursor });
    }
    const rows = await qb.orderBy('p.created_at', 'DESC').addOrderBy('p.id', 'DESC').take(filter.limit + 1).getMany();
    const page = rows.slice(0, filter.limit);
    const targets = page.length ? await this.db.repo(PublicationTarget).find({ publicationId: In(page.map((p) => p.id)) }, { order: { plugin: 'ASC', connectionId: 'ASC' } }) : [];
    return {
      data: page.map((p) => toView(p, targets.filter((t) => t.publicationId === p.id))),
      nextCursor: rows.length > filter.limit ? page[page.length - 1].id : null,
    };
  }

  /** Tries the platforms that failed once more, now (their automatic retries start over after it). */
  async retry(id: string): Promise<PublicationView> {
    await this.get(id);
    const failed = await this.db.repo(PublicationTarget).find({ publicationId: id, status: 'failed' });
    if (failed.length === 0) throw new ConflictException('nothing to retry: no platform of this publication has failed');
    await this.db.repo(PublicationTarget).update({ publicationId: id, status: 'failed' }, { status: 'retrying', attempts: 0, nextAttemptAt: new Date() });
    await Promise.all(failed.map((t) => this.attempt(t.id)));
    await this.refreshStatus(id);
    return this.get(id);
  }

  /** Publishes every platform of the publication that has not been tried yet (a publication's first round). */
  async publishPending(publicationId: string): Promise<void> {
    const pending = await this.db.repo(PublicationTarget).find({ publicationId, status: 'pending' });
    await Promise.all(pending.map((t) => this.attempt(t.id)));
    await this.refreshStatus(publicationId);
  }

  /** One attempt at one platform, if it is due and no other process is making it; its outcome is recorded. */
  async attempt(targetId: string): Promise<void> {
    const target = await this.claim(targetId);
    if (!target) return;
    // should this process die mid-attempt, the claim goes stale and this job takes the platform over
    await this.enqueueAttempt(target.id, new Date(Date.now() + STALE_CLAIM_MS));
    const repo = this.db.repo(PublicationTarget);
    try {
      const result = await this.publishTo(target);
      await repo.update({ id: target.id }, {
        status: 'published', externalId: result.externalId, url: result.url, parts: result.parts ?? [], errorCode: null, error: null,
        claimedAt: null, nextAttemptAt: null, publishedAt: new Date(),
      });
    } catch (e) {
      await this.recordFailure(target, classify(e));
    }
    await this.refreshStatus(target.publicationId);
  }

  private async publishTo(target: PublicationTarget): Promise<PublishResult> {
    const publication = (await this.db.repo(Publication).findOne({ id: target.publicationId }))!;
    const opened = await this.access.open(target.connectionId);
    const publisher = opened.plugin.publisher;
    if (!publisher) throw new PublishRejection('unsupported_content_type', `${opened.plugin.name} no longer publishes (its plugin declares no publisher)`);
    const formatted = formatForPublishing(publisher, contentOf(publication));
    const options = (publisher.options ?? z.object({})).parse(publication.options[target.plugin] ?? {});
    const parts = [...target.parts];
    return publisher.publish({
      ...opened.context,
      media: this.media,
      resume: target.parts,
      partPublished: async (part) => {
        parts.push(part);
        await this.db.repo(PublicationTarget).update({ id: target.id }, { parts });
      },
    }, formatted, options);
  }

  private async recordFailure(target: PublicationTarget, f: Failure): Promise<void> {
    const repo = this.db.repo(PublicationTarget);
    if (!f.retryable || target.attempts >= this.config.PUBLISH_MAX_ATTEMPTS) {
      await repo.update({ id: target.id }, { status: 'failed', errorCode: f.code, error: f.message, claimedAt: null, nextAttemptAt: null });
      return;
    }
    const backoff = Date.now() + this.config.PUBLISH_RETRY_BASE_MS * 2 ** (target.attempts - 1);
    const at = new Date(Math.max(backoff, f.notBefore?.getTime() ?? 0));
    await repo.update({ id: target.id }, { status: 'retrying', errorCode: f.code, error: f.message, claimedAt: null, nextAttemptAt: at });
    await this.enqueueAttempt(target.id, at);
    this.log.log(`publication ${target.publicationId}: ${target.plugin} attempt ${target.attempts} failed (${f.code}), next at ${at.toISOString()}`);
  }

  private enqueueAttempt(targetId: string, at: Date): Promise<unknown> {
    return this.jobs.enqueue(this.queue, ATTEMPT_JOB, { targetId }, { delay: Math.max(0, at.getTime() - Date.now()) });
  }

  /**
   * Marks the attempt in flight, if the platform is due (new, a retry whose time has come, or an
   * attempt whose process was lost): one UPDATE, so concurrent jobs and requests cannot both win.
   */
  private async claim(targetId: string): Promise<PublicationTarget | null> {
    const rows: unknown[] = await this.dataSource.query(
      `UPDATE publication_targets SET status = 'publishing', attempts = attempts + 1, claimed_at = now(), next_attempt_at = NULL, updated_at = now()
        WHERE id = $1 AND tenant_id = $2 AND (
          status = 'pending'
          OR (status = 'retrying' AND (next_attempt_at IS NULL OR next_attempt_at <= now() + $3 * interval '1 millisecond'))
          OR (status = 'publishing' AND claimed_at < now() - $4 * interval '1 millisecond'))
        RETURNING id`,
      [targetId, this.context.tenantId, CLOCK_TOLERANCE_MS, STALE_CLAIM_MS],
    );
    // node-postgres answers an UPDATE ... RETURNING with [rows, count]
    const claimed = Array.isArray(rows[0]) ? (rows[0] as unknown[]).length : rows.length;
    return claimed ? this.db.repo(PublicationTarget).findOne({ id: targetId }) : null;
  }

  private async refreshStatus(publicationId: string): Promise<void> {
    const publication = await this.db.repo(Publication).findOne({ id: publicationId });
    if (!publication) return;
    const targets = await this.db.repo(PublicationTarget).find({ publicationId }, { select: ['status'] });
    const status = publicationStatus(targets.map((t) => t.status), publication.scheduleAt);
    const open = targets.some((t) => t.status === 'pending' || t.status === 'publishing' || t.status === 'retrying');
    await this.db.repo(Publication).update({ id: publicationId }, { status, finishedAt: open ? null : (publication.finishedAt ?? new Date()) });
  }

  /** The request's platforms as connections whose plugins publish; every problem named by its position. */
  private async resolve(platforms: string[]): Promise<{ connectionId: string; plugin: PluginDefinition }[]> {
    const errors: FieldError[] = [];
    const out: { connectionId: string; plugin: PluginDefinition }[] = [];
    const seen = new Map<string, number>();
    const connections = this.db.repo(Connection);
    for (const [i, name] of platforms.entries()) {
      const field = `platforms[${i}]`;
      let found: Connection[];
      if (UUID.test(name)) {
        const c = await connections.findOne({ id: name });
        if (!c) {
          errors.push({ field, message: `${field}: no connection ${name}` });
          continue;
        }
        found = [c];
      } else if (!this.plugins.get(name)) {
        errors.push({ field, message: `${field}: unknown platform "${name}": neither a connection id nor a loaded plugin` });
        continue;
      } else {
        found = await connections.find({ plugin: name }, { order: { createdAt: 'ASC' } });
        if (!found.length) {
          errors.push({ field, message: `${field}: this tenant has no ${name} connection` });
          continue;
        }
      }
      for (const c of found) {
        const plugin = this.plugins.get(c.plugin);
        if (!plugin?.publisher) {
          errors.push({ field, message: `${field}: ${c.plugin} cannot publish: its plugin declares no publisher` });
          continue;
        }
        const first = seen.get(c.id);
        if (first !== undefined) {
          errors.push({ field, message: `${field}: "${name}" names connection ${c.id} (${c.plugin}), which platforms[${first}] names too: ambiguous` });
          continue;
        }
        seen.set(c.id, i);
        out.push({ connectionId: c.id, plugin });
      }
    }
    if (errors.length) throw new ValidationFailedException(errors);
    return out;
  }

  /** Each platform's options, checked against what its publisher takes; stored as given (defaults apply when publishing). */
  private checkOptions(given: Record<string, unknown>, plugins: PluginDefinition[]): Record<string, unknown> {
    const errors: FieldError[] = [];
    for (const [name, value] of Object.entries(given)) {
      const plugin = plugins.find((p) => p.name === name);
      if (!plugin) {
        errors.push({ field: `options.${name}`, message: `options.${name}: ${name} is not a platform of this publication` });
        continue;
      }
      const parsed = (plugin.publisher!.options ?? z.object({}).strict()).safeParse(value ?? {});
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          const field = ['options', name, ...issue.path.map(String)].join('.');
          errors.push({ field, message: `${field}: ${issue.message}` });
        }
      }
    }
    if (errors.length) throw new ValidationFailedException(errors);
    return given;
  }
}

function contentOf(p: Publication): PublishContent {
  return { contentType: p.contentType, text: p.content, title: p.title ?? undefined, media: p.media, tags: p.tags, links: p.links };
}

function rejectionOf(plugin: PluginDefinition, content: PublishContent): PublishRejection | null {
  try {
    formatForPublishing(plugin.publisher!, content);
    return null;
  } catch (e) {
    if (e instanceof PublishRejection) return e;
    throw e;
  }
}

/** Whether a failure may pass on another attempt, and what to record of it. */
export function classify(e: unknown): Failure {
  if (e instanceof PublishRejection) return { retryable: false, code: e.code, message: e.message };
  if (e instanceof ZodError) return { retryable: false, code: 'invalid_options', message: e.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`).join('; ') };
  if (e instanceof ConnectionNeedsReauthError) return { retryable: false, code: 'needs_reauth', message: e.message };
  // the connection is gone or disabled: another attempt cannot help until someone acts
  if (e instanceof HttpException) return { retryable: false, code: 'connection_unavailable', message: e.message };
  const paused = pausedUntil(e);
  if (paused) return { retryable: true, code: 'platform_paused', message: (e as Error).message, notBefore: paused };
  if (e instanceof UpstreamError) {
    const retryable = e.status === 0 || e.status === 408 || e.status === 429 || e.status >= 500;
    const said = typeof e.body === 'string' ? e.body : e.body === null || e.body === undefined ? '' : JSON.stringify(e.body);
    return {
      retryable,
      code: e.status === 0 ? 'platform_unreachable' : `platform_${e.status}`,
      message: said ? `${e.message}: ${said.slice(0, 500)}` : e.message,
    };
  }
  return { retryable: true, code: 'error', message: (e as Error)?.message ?? String(e) };
}

function toView(p: Publication, targets: PublicationTarget[]): PublicationView {
  return {
    id: p.id, status: p.status, contentType: p.contentType, content: p.content, title: p.title, media: p.media,
    metadata: { tags: p.tags, links: p.links }, options: p.options, scheduleAt: p.scheduleAt, createdAt: p.createdAt, finishedAt: p.finishedAt,
    platforms: targets.map((t) => ({
      id: t.id, connectionId: t.connectionId, plugin: t.plugin, status: t.status, externalId: t.externalId, url: t.url, parts: t.parts,
      error: t.errorCode ? { code: t.errorCode, message: t.error ?? '' } : null, attempts: t.attempts, nextAttemptAt: t.nextAttemptAt, publishedAt: t.publishedAt,
    })),
  };
}
