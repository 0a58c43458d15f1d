import { UpstreamError, type FetchPageParams, type PluginContext, type SyncPage } from '../../core/plugin-sdk';

/**
 * Slack's Web API: every method is `/api/<method>`, answers HTTP 200 with `ok: false` and an error
 * code for most failures (429 with Retry-After when rate limited), and pages lists with a cursor in
 * `response_metadata.next_cursor` ('' on the last page).
 */

export interface SlackConversation {
  id: string;
  name: string;
  created: number;
  is_private: boolean;
  is_archived: boolean;
  is_member?: boolean;
  num_members?: number;
  topic: { value: string; creator: string; last_set: number };
  purpose: { value: string; creator: string; last_set: number };
}

export interface SlackAuthTest {
  url: string;
  team: string;
  user: string;
  team_id: string;
  user_id: string;
  bot_id?: string;
}

export interface SlackPostedMessage {
  channel: string;
  ts: string;
  message: { text: string; ts: string; thread_ts?: string };
}

/** Slack's error codes as HTTP statuses, so callers can tell a bad token (401) from a missing channel (404). */
const STATUS_OF: Record<string, number> = {
  not_authed: 401, invalid_auth: 401, token_revoked: 401, token_expired: 401, account_inactive: 401,
  missing_scope: 403, not_in_channel: 403, restricted_action: 403,
  channel_not_found: 404, message_not_found: 404, unknown_method: 404,
  ratelimited: 429,
};

/** An `ok: false` answer: `error` is Slack's code (channel_not_found, invalid_auth, msg_too_long, ...). */
export class SlackApiError extends UpstreamError {
  constructor(readonly error: string, body: unknown) {
    super(STATUS_OF[error] ?? 400, body, 'slack', `Slack refused the call: ${error}`);
    this.name = 'SlackApiError';
  }
}

type Params = Record<string, string | number | boolean | undefined>;

/** Calls a Web API method: reads go as GET with a query, writes as a form POST (what the methods' documentation lists first). */
export async function slackCall<T>(ctx: PluginContext, method: string, params: Params, verb: 'GET' | 'POST'): Promise<T> {
  const path = `/api/${method}`;
  const res = verb === 'GET'
    ? await ctx.http.request<T & { ok: boolean; error?: string }>({ path, query: params })
    : await ctx.http.request<T & { ok: boolean; error?: string }>({ method: 'POST', path, form: params });
  if (!res.body?.ok) throw new SlackApiError(res.body?.error ?? 'unknown_error', res.body);
  return res.body;
}

export function authTest(ctx: PluginContext): Promise<SlackAuthTest> {
  return slackCall<SlackAuthTest>(ctx, 'auth.test', {}, 'GET');
}

export interface PostMessageParams {
  channel: string;
  text: string;
  threadTs?: string;
  /** legacy attachments carrying images, as Slack's JSON-in-a-form-field string */
  attachments?: { fallback: string; image_url: string }[];
  unfurlLinks?: boolean;
}

export function postMessage(ctx: PluginContext, p: PostMessageParams): Promise<SlackPostedMessage> {
  return slackCall<SlackPostedMessage>(ctx, 'chat.postMessage', {
    channel: p.channel, text: p.text, thread_ts: p.threadTs, unfurl_links: p.unfurlLinks,
    attachments: p.attachments?.length ? JSON.stringify(p.attachments) : undefined,
  }, 'POST');
}

export async function permalink(ctx: PluginContext, channel: string, ts: string): Promise<string> {
  return (await slackCall<{ permalink: string }>(ctx, 'chat.getPermalink', { channel, message_ts: ts }, 'GET')).permalink;
}

/** Slack's own page cap for conversations.list is 1000; 200 is what it recommends. */
const PAGE_SIZE = 200;

export async function conversationsPage(ctx: PluginContext, { cursor }: FetchPageParams): Promise<SyncPage<SlackConversation>> {
  const page = await slackCall<{ channels: SlackConversation[]; response_metadata?: { next_cursor?: string } }>(ctx, 'conversations.list', {
    types: 'public_channel,private_channel', exclude_archived: true, limit: PAGE_SIZE, cursor: cursor ?? undefined,
  }, 'GET');
  return { records: page.channels, nextCursor: page.response_metadata?.next_cursor || null };
}

/** Slack's mrkdwn takes &, < and > only as entities; everything else is literal text. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
