import { join } from 'node:path';
import type { RecordedCall } from '../../core/plugin-sdk/simulator';
import { fetchAllPages, type PluginTestContext, publishThrough, type SimulatedPlugin, simulatePlugin } from '../../core/plugin-sdk/testing';
import { loadOpenApi, type OpenApiConformance } from '../../../test/support/openapi-conformance';
import plugin from './index';
import { startSimulator, type YoutubeSimulator } from './simulator/youtube.simulator';

/**
 * Holds the plugin's requests and the simulator's answers to the published YouTube Data API v3
 * document. The document models videos.insert's upload as a body of `/youtube/v3/videos`; the live
 * upload is a resumable session under `/upload/...`, so those calls are checked piecewise: the
 * session's query parameters against videos.insert, its metadata and the finished upload's answer
 * against the `Video` schema. The document declares no error answers: only successes are checked.
 */
describe('youtube conformance with youtube.json', () => {
  let spec: OpenApiConformance;
  let sim: YoutubeSimulator;
  let ctx: PluginTestContext;
  let env: SimulatedPlugin<YoutubeSimulator>;

  beforeAll(async () => {
    spec = loadOpenApi(join(__dirname, 'spec', 'youtube.json'));

    env = await simulatePlugin(plugin, startSimulator, { seed: 60 });

    ({ sim, ctx } = env);

  });

  afterAll(() => env.close());

  const UPLOAD = '/upload/youtube/v3/videos';

  function violations(call: RecordedCall): string[] {
    if (call.path === UPLOAD && call.method === 'POST') {
      const { 'content-type': _json, ...headers } = call.headers;
      return [...spec.validateRequest({ ...call, path: '/youtube/v3/videos', headers, body: undefined }), ...spec.validateSchema('Video', call.body, 'upload metadata')];
    }
    if (call.path === UPLOAD) return call.status === 200 ? spec.validateSchema('Video', call.response, 'upload answer') : [];
    return [...spec.validateRequest(call), ...(call.status === 200 ? spec.validateResponse(call) : [])];
  }

  it('every request the plugin makes, and every successful answer of the simulator, matches the document', async () => {
    await plugin.checkConnection(ctx);
    await fetchAllPages(plugin.entities.videos, ctx);
    const media = { read: async () => ({ data: Buffer.from('bytes of a video'), contentType: 'video/mp4' }) };
    const r = await publishThrough(plugin, ctx, { contentType: 'video', title: 'Conformance', text: 'Checked against the document', tags: ['spec'], media: [{ kind: 'video', url: 'https://cdn.example.com/v.mp4' }] }, { media });
    await ctx.http.get('/youtube/v3/videos', { part: 'snippet,status', id: r.externalId });
    await ctx.http.get('/youtube/v3/playlistItems', { part: 'snippet', playlistId: 'PLnotthere', maxResults: 5 }).catch(() => undefined);

    expect(sim.calls.map((c) => `${c.method} ${c.path} ${c.status}`)).toEqual(expect.arrayContaining([
      'GET /youtube/v3/channels 200', 'GET /youtube/v3/playlistItems 200', `POST ${UPLOAD} 200`, `PUT ${UPLOAD} 200`, 'GET /youtube/v3/videos 200', 'GET /youtube/v3/playlistItems 404',
    ]));
    expect(sim.calls.flatMap(violations)).toEqual([]);
  });

  it('catches a malformed answer and request, so the check above can fail', () => {
    const upload = sim.calls.find((c) => c.path === UPLOAD && c.method === 'PUT')!;
    const video = structuredClone(upload.response) as { snippet: Record<string, unknown> };
    video.snippet.title = 42;
    expect(spec.validateSchema('Video', video).join('\n')).toMatch(/snippet\/title must be string/);
    const list = sim.calls.find((c) => c.path === '/youtube/v3/playlistItems' && c.status === 200)!;
    expect(spec.validateResponse({ ...list, response: { ...(list.response as object), items: 'none' } }).join('\n')).toMatch(/items must be array/);
    expect(spec.validateRequest({ ...list, query: { ...list.query, since: 'yesterday' } }).join('\n')).toMatch(/since/);
    expect(spec.validateRequest({ ...list, headers: {} }).join('\n')).toMatch(/no credentials/);
  });
});
