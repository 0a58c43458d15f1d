import type { FetchPageParams, PluginContext, SyncPage } from '../../core/plugin-sdk';

/** The parts of X API v2 answers this plugin reads. */
export interface Tweet {
  id: string;
  text: string;
  created_at?: string;
  edit_history_tweet_ids?: string[];
}

export interface XUser {
  id: string;
  name: string;
  username: string;
}

export interface CreateTweetBody {
  text: string;
  reply?: { in_reply_to_tweet_id: string };
  media?: { media_ids: string[] };
  quote_tweet_id?: string;
  reply_settings?: 'following' | 'mentionedUsers' | 'subscribers' | 'verified';
}

export function me(ctx: PluginContext): Promise<XUser> {
  return ctx.http.get<{ data: XUser }>('/2/users/me').then((r) => r.data);
}

export async function createTweet(ctx: PluginContext, body: CreateTweetBody): Promise<Tweet> {
  const res = await ctx.http.request<{ data: Tweet }>({ method: 'POST', path: '/2/tweets', json: body });
  return res.body.data;
}

/** A post's public URL; the /i/web/ form needs no username. */
export function tweetUrl(id: string): string {
  return `https://x.com/i/web/status/${id}`;
}

/** The timeline endpoint's largest page. */
const PAGE_SIZE = 100;

/**
 * One page of the user's own posts, newest first. The cursor carries the user id (looked up on the
 * first page) and X's pagination_token; incremental runs narrow by start_time.
 */
export async function timelinePage(ctx: PluginContext, { cursor, modifiedSince }: FetchPageParams): Promise<SyncPage<Tweet>> {
  const [userId, token] = cursor ? (JSON.parse(cursor) as [string, string]) : [(await me(ctx)).id, undefined];
  const page = await ctx.http.get<{ data?: Tweet[]; meta: { result_count: number; next_token?: string } }>(`/2/users/${userId}/tweets`, {
    max_results: PAGE_SIZE,
    pagination_token: token,
    start_time: modifiedSince?.toISOString(),
    'tweet.fields': 'created_at',
  });
  return { records: page.data ?? [], nextCursor: page.meta.next_token ? JSON.stringify([userId, page.meta.next_token]) : null };
}
