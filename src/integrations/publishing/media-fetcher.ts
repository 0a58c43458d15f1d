import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { request, type Agent } from 'undici';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../../core/config';
import { PublishRejection, type MediaReader, type PublishMedia } from '../../core/plugin-sdk';
import { AddressGuard, isAddressRefused } from '../../core/http';

/** The most a media item may weigh: it is held in memory while a platform takes the upload. */
export const MEDIA_MAX_BYTES = 128 * 1024 * 1024;
const TIMEOUT_MS = 60_000;

/**
 * Reads media from the URLs a publication names, for platforms that take uploads rather than URLs.
 * Tenant-given URLs go through the SSRF guard (checked again where the connection is made), no
 * redirect is followed, and a body past MEDIA_MAX_BYTES is refused. A URL that cannot be used is a
 * PublishRejection (retrying cannot help); an unreachable or failing host is a plain error (it may pass).
 */
@Injectable()
export class MediaFetcher implements MediaReader, OnModuleDestroy {
  private readonly guard: AddressGuard;
  private readonly agent: Agent;

  constructor(@Inject(PLUGBOARD_CONFIG) config: PlugboardConfig) {
    this.guard = new AddressGuard(config.PUBLISH_MEDIA_ALLOWED_NETWORKS);
    this.agent = this.guard.agent(TIMEOUT_MS, { connectTimeoutMs: 10_000 });
  }

  async onModuleDestroy(): Promise<void> {
    await this.agent.close();
  }

  async read(item: PublishMedia): Promise<{ data: Uint8Array; contentType: string }> {
    if (!item.url) throw new PublishRejection('media_unavailable', `the ${item.kind} has no URL to read it from`);
    const problem = this.guard.urlProblem(item.url);
    if (problem) throw new PublishRejection('media_unavailable', `media URL ${item.url} ${problem}`);
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(item.url, { dispatcher: this.agent, headers: { 'user-agent': 'Plugboard/0.1 (media fetch)' } });
    } catch (e) {
      const refused = isAddressRefused(e);
      if (refused) throw new PublishRejection('media_unavailable', `media URL ${item.url}: ${(e as Error).message}`);
      throw new Error(`media URL ${item.url} is unreachable: ${(e as Error).message}`);
    }
    if (res.statusCode >= 300) {
      await res.body.dump();
      const message = `media URL ${item.url} answered ${res.statusCode}`;
      if (res.statusCode >= 500) throw new Error(message);
      throw new PublishRejection('media_unavailable', res.statusCode < 400 ? `${message} (redirects are not followed)` : message);
    }
    const declared = Number(res.headers['content-length']);
    if (declared > MEDIA_MAX_BYTES) {
      await res.body.dump();
      throw new PublishRejection('media_unavailable', `media URL ${item.url} is ${declared} bytes, more than the ${MEDIA_MAX_BYTES} publishing reads`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > MEDIA_MAX_BYTES) {
        res.body.destroy();
        throw new PublishRejection('media_unavailable', `media URL ${item.url} is more than the ${MEDIA_MAX_BYTES} bytes publishing reads`);
      }
      chunks.push(chunk as Buffer);
    }
    const header = res.headers['content-type'];
    return { data: Buffer.concat(chunks), contentType: item.mimeType ?? (Array.isArray(header) ? header[0] : header) ?? 'application/octet-stream' };
  }
}
