import type { FetchPageParams, PluginContext, SyncPage } from '../../core/plugin-sdk';

/** The parts of Data API v3 resources this plugin reads. */
export interface YoutubeChannel {
  id: string;
  snippet?: { title: string };
  contentDetails?: { relatedPlaylists: { uploads: string } };
}

export interface YoutubePlaylistItem {
  id: string;
  snippet: { title: string; description: string; publishedAt: string; resourceId: { videoId: string } };
  contentDetails: { videoId: string; videoPublishedAt?: string };
  status?: { privacyStatus: string };
}

export interface YoutubeVideo {
  id: string;
  snippet: { title: string; description: string; tags?: string[]; categoryId: string };
  status: { privacyStatus: string; uploadStatus: string };
}

export interface VideoMetadata {
  snippet: { title: string; description: string; tags?: string[]; categoryId: string };
  status: { privacyStatus: 'public' | 'unlisted' | 'private'; publishAt?: string; selfDeclaredMadeForKids: boolean };
}

export async function myChannel(ctx: PluginContext, part: string): Promise<YoutubeChannel | null> {
  const res = await ctx.http.get<{ items?: YoutubeChannel[] }>('/youtube/v3/channels', { part, mine: true });
  return res.items?.[0] ?? null;
}

/** The playlist API's largest page. */
const PAGE_SIZE = 50;

/** One page of the channel's uploads playlist; the first page looks the playlist up. */
export async function uploadsPage(ctx: PluginContext, { cursor }: FetchPageParams): Promise<SyncPage<YoutubePlaylistItem>> {
  const [playlistId, pageToken] = cursor
    ? (JSON.parse(cursor) as [string, string])
    : [(await myChannel(ctx, 'contentDetails'))?.contentDetails?.relatedPlaylists.uploads, undefined];
  if (!playlistId) return { records: [], nextCursor: null };
  const page = await ctx.http.get<{ items: YoutubePlaylistItem[]; nextPageToken?: string }>('/youtube/v3/playlistItems', {
    part: 'snippet,contentDetails,status', playlistId, maxResults: PAGE_SIZE, pageToken,
  });
  return { records: page.items, nextCursor: page.nextPageToken ? JSON.stringify([playlistId, page.nextPageToken]) : null };
}

/**
 * videos.insert as a resumable upload: the metadata opens a session (whose URL comes back in
 * Location), then the bytes go to that URL in one PUT, which answers with the video.
 */
export async function uploadVideo(ctx: PluginContext, metadata: VideoMetadata, media: { data: Uint8Array; contentType: string }, notifySubscribers: boolean): Promise<YoutubeVideo> {
  const session = await ctx.http.request({
    method: 'POST', path: '/upload/youtube/v3/videos',
    query: { uploadType: 'resumable', part: 'snippet,status', notifySubscribers },
    headers: { 'x-upload-content-type': media.contentType, 'x-upload-content-length': String(media.data.byteLength) },
    json: metadata,
  });
  const location = session.headers.location;
  if (!location) throw new Error('YouTube opened no upload session (no Location header)');
  const target = new URL(location);
  const res = await ctx.http.request<YoutubeVideo>({ method: 'PUT', path: target.pathname + target.search, headers: { 'content-type': media.contentType }, body: media.data });
  return res.body;
}

export function watchUrl(videoId: string): string {
  return `https://www.youtube.com/watch?v=${videoId}`;
}

/** YouTube refuses titles and descriptions with angle brackets: look-alike quotation marks take their place. */
export function withoutAngleBrackets(text: string): string {
  return text.replace(/</g, '‹').replace(/>/g, '›');
}

/** Tags within YouTube's 500 characters: each counts its length, plus quotes when it has a space, plus a comma between. */
export function fitTags(tags: readonly string[], budget = 500): string[] {
  const out: string[] = [];
  let used = 0;
  for (const tag of tags.map((t) => withoutAngleBrackets(t.replace(/^#/, '').trim())).filter(Boolean)) {
    const cost = [...tag].length + (tag.includes(' ') ? 2 : 0) + (out.length ? 1 : 0);
    if (used + cost > budget) break;
    out.push(tag);
    used += cost;
  }
  return out;
}
