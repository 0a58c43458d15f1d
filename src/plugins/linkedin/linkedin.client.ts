import type { FetchPageParams, PluginContext, SyncPage } from '../../core/plugin-sdk';

/** A post as GET /rest/posts answers it (the fields this plugin reads). */
export interface LinkedinPost {
  id: string;
  author: string;
  commentary: string;
  visibility: string;
  lifecycleState: string;
  /** epoch milliseconds */
  createdAt: number;
  lastModifiedAt: number;
  publishedAt?: number;
}

export interface LinkedinUserinfo {
  sub: string;
  name?: string;
}

export interface CreatePostBody {
  author: string;
  commentary: string;
  visibility: 'PUBLIC' | 'CONNECTIONS';
  distribution: { feedDistribution: 'MAIN_FEED'; targetEntities: []; thirdPartyDistributionChannels: [] };
  lifecycleState: 'PUBLISHED';
  isReshareDisabledByAuthor: boolean;
  content?: { article: { source: string; title: string; thumbnail?: string } } | { media: { id: string; altText?: string } };
}

export function userinfo(ctx: PluginContext): Promise<LinkedinUserinfo> {
  return ctx.http.get<LinkedinUserinfo>('/v2/userinfo');
}

/** Who posts: the request's author, else the connection's `authorUrn` setting (a page), else the member. */
export async function authorUrn(ctx: PluginContext, given?: string): Promise<string> {
  return given ?? ctx.settings.authorUrn ?? `urn:li:person:${(await userinfo(ctx)).sub}`;
}

/** Creates a post; LinkedIn answers 201 with an empty body and the new post's URN in x-restli-id. */
export async function createPost(ctx: PluginContext, body: CreatePostBody): Promise<string> {
  const res = await ctx.http.request({ method: 'POST', path: '/rest/posts', json: body });
  const urn = res.headers['x-restli-id'];
  if (!urn) throw new Error('LinkedIn created the post but named no id (x-restli-id)');
  return urn;
}

export function postUrl(urn: string): string {
  return `https://www.linkedin.com/feed/update/${urn}/`;
}

/**
 * Plain text as LinkedIn's "little text" commentary: reserved characters escaped with a backslash,
 * #hashtags written as hashtag templates. Unescaped, LinkedIn drops what follows a reserved character.
 */
export function littleText(text: string): string {
  return text.replace(/#([\p{L}\p{N}_]+)|[\\|{}@[\]()<>#*_~]/gu, (m, tag?: string) => (tag ? `{hashtag|\\#|${tag.replace(/_/g, '\\_')}}` : `\\${m}`));
}

/** Little text back to what a reader sees. */
export function plainText(commentary: string): string {
  return commentary.replace(/\{hashtag\|\\#\|((?:\\.|[^}])*)\}/g, '#$1').replace(/\\(.)/g, '$1');
}

const PAGE_SIZE = 50;

/**
 * One page of the author's posts, most recently changed first. Incremental runs stop at the first
 * page that reaches back past the checkpoint and keep only what changed since.
 */
export async function postsPage(ctx: PluginContext, { cursor, modifiedSince }: FetchPageParams): Promise<SyncPage<LinkedinPost>> {
  const [author, start] = cursor ? (JSON.parse(cursor) as [string, number]) : [await authorUrn(ctx), 0];
  const page = await ctx.http.get<{ elements: LinkedinPost[] }>('/rest/posts', { q: 'author', author, count: PAGE_SIZE, start, sortBy: 'LAST_MODIFIED' });
  const since = modifiedSince?.getTime() ?? -Infinity;
  const records = page.elements.filter((p) => p.lastModifiedAt >= since);
  const more = page.elements.length === PAGE_SIZE && records.length === page.elements.length;
  return { records, nextCursor: more ? JSON.stringify([author, start + PAGE_SIZE]) : null };
}
