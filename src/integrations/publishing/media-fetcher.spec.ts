import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseConfig } from '../../core/config';
import { PublishRejection } from '../../core/plugin-sdk';
import { MediaFetcher, MEDIA_MAX_BYTES } from './media-fetcher';

describe('MediaFetcher', () => {
  let server: Server;
  let base: string;
  const fetcher = (allowed: string) => new MediaFetcher(parseConfig({ NODE_ENV: 'test', PUBLISH_MEDIA_ALLOWED_NETWORKS: allowed }));

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/clip.mp4') return void res.writeHead(200, { 'content-type': 'video/mp4' }).end('mp4 bytes');
      if (req.url === '/moved') return void res.writeHead(302, { location: '/clip.mp4' }).end();
      if (req.url === '/huge') return void res.writeHead(200, { 'content-length': String(MEDIA_MAX_BYTES + 1) }).end();
      if (req.url === '/broken') return void res.writeHead(503).end();
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('reads media from a network the operator opened, with its content type', async () => {
    const f = fetcher('127.0.0.0/8');
    try {
      const media = await f.read({ kind: 'video', url: `${base}/clip.mp4` });
      expect({ text: Buffer.from(media.data).toString(), contentType: media.contentType }).toEqual({ text: 'mp4 bytes', contentType: 'video/mp4' });
      expect((await f.read({ kind: 'video', url: `${base}/clip.mp4`, mimeType: 'video/quicktime' })).contentType).toBe('video/quicktime');
    } finally {
      await f.onModuleDestroy();
    }
  });

  it('refuses internal addresses, names that resolve to them, redirects, 4xx and oversized media; a 5xx may pass', async () => {
    const closed = fetcher('');
    const open = fetcher('127.0.0.0/8');
    try {
      const code = (p: Promise<unknown>) => p.then(() => 'read', (e: Error) => (e instanceof PublishRejection ? e.code : `retryable: ${e.message}`));
      expect(await code(closed.read({ kind: 'video', url: `${base}/clip.mp4` }))).toBe('media_unavailable');
      expect(await code(closed.read({ kind: 'video', url: `http://localhost:${new URL(base).port}/clip.mp4` }))).toBe('media_unavailable');
      expect(await code(closed.read({ kind: 'video', url: 'http://169.254.169.254/latest/meta-data' }))).toBe('media_unavailable');
      expect(await code(open.read({ kind: 'video', url: `${base}/moved` }))).toBe('media_unavailable');
      expect(await code(open.read({ kind: 'video', url: `${base}/missing` }))).toBe('media_unavailable');
      expect(await code(open.read({ kind: 'video', url: `${base}/huge` }))).toBe('media_unavailable');
      expect(await code(open.read({ kind: 'video', url: `${base}/broken` }))).toMatch(/^retryable: .*answered 503/);
      expect(await code(open.read({ kind: 'video', id: 'abc' }))).toBe('media_unavailable');
    } finally {
      await closed.onModuleDestroy();
      await open.onModuleDestroy();
    }
  });
});
