import { randomBytes } from 'node:crypto';
import type { RunningSimulator, SimulatorOptions } from '../../../core/plugin-sdk';
import { SimulatorServer, type RecordedCall, type SimRequest, type SimResponse } from '../../../core/plugin-sdk/simulator';

/**
 * A fake Slack workspace: the Web API methods the plugin uses (auth.test, chat.postMessage,
 * chat.getPermalink, conversations.list) with Slack's conventions: HTTP 200 with `ok: false` and an
 * error code for refusals, bearer bot tokens (or a `token` form field), cursor pages, 429 with
 * Retry-After and `ratelimited` past the limit, unknown methods 404 `unknown_method`.
 */

export interface SlackMessage {
  channel: string;
  ts: string;
  text: string;
  thread_ts?: string;
  attachments?: { id: number; fallback?: string; image_url?: string }[];
  user: string;
  bot_id: string;
}

interface Channel {
  id: string;
  name: string;
  created: number;
  is_private: boolean;
  is_archived: boolean;
  is_general: boolean;
  /** whether the bot is in the channel: private channels need it to post */
  is_member: boolean;
  num_members: number;
  topic: string;
  purpose: string;
}

export interface SlackSimulator extends RunningSimulator {
  readonly calls: readonly RecordedCall[];
  /** the messages posted to a channel (by id or name), oldest first */
  messages(channel: string): readonly SlackMessage[];
  /** how many channels conversations.list shows (unarchived, public or private) */
  readonly channelCount: number;
}

const TEAM = { id: 'T0PLUGB0RD1', name: 'Plugboard Simulator', domain: 'plugboard-sim' };
const BOT_USER = 'U0PLUGB0T01';
const BOT_ID = 'B0PLUGB0T01';
const CREATOR = 'U0CREAT0R01';
const DEFAULT_EXTRA_CHANNELS = 250;
const MAX_TEXT = 40_000;

export async function startSimulator(opts: SimulatorOptions = {}): Promise<SlackSimulator> {
  const workspace = new SlackWorkspace(opts.seed ?? DEFAULT_EXTRA_CHANNELS);
  const url = await workspace.server.listen(opts.port);
  return {
    url,
    credentials: { botToken: workspace.token },
    get calls() {
      return workspace.server.calls;
    },
    messages: (channel) => workspace.messagesOf(channel),
    get channelCount() {
      return workspace.listable().length;
    },
    close: () => workspace.server.close(),
  };
}

class SlackWorkspace {
  readonly token = `xoxb-${Date.now()}-${randomBytes(12).toString('hex')}`;
  readonly server: SimulatorServer;
  private channels: Channel[] = [];
  private messages = new Map<string, SlackMessage[]>();
  private lastTs = 0;

  constructor(private readonly extraChannels: number) {
    this.server = new SimulatorServer({
      name: 'slack',
      authenticate: (req) => this.authenticate(req),
      rateLimit: {
        limit: 100, windowMs: 60_000,
        // Slack sends no remaining-count headers; the 429 says how long to wait
        headers: () => ({}),
        exceeded: () => ({ body: { ok: false, error: 'ratelimited' } }),
      },
      errorBody,
    });
    this.seed();
    this.routes();
  }

  listable(): Channel[] {
    return this.channels.filter((c) => !c.is_archived);
  }

  messagesOf(ref: string): SlackMessage[] {
    const channel = this.find(ref);
    return channel ? [...(this.messages.get(channel.id) ?? [])] : [];
  }

  private seed(): void {
    const created = 1_640_995_200; // 2022-01-01
    const add = (name: string, extra: Partial<Channel> = {}) => {
      const n = this.channels.length + 1;
      this.channels.push({
        id: `C0${String(n).padStart(9, '0')}`, name, created: created + n * 60, is_private: false, is_archived: false,
        is_general: false, is_member: true, num_members: 3 + (n % 40), topic: '', purpose: '', ...extra,
      });
    };
    add('general', { is_general: true, topic: 'Company-wide announcements', purpose: 'This channel is for team-wide communication.' });
    add('random');
    add('leadership', { is_private: true, is_member: false });
    add('old-launch', { is_archived: true });
    for (let i = 0; i < this.extraChannels; i++) add(`team-${String(i).padStart(3, '0')}`, { is_private: i % 10 === 0 });
  }

  private routes(): void {
    // Slack takes every method as GET or POST alike
    for (const verb of ['GET', 'POST'] as const) {
      this.server
        .route(verb, '/api/auth.test', () => ok({ url: `https://${TEAM.domain}.slack.com/`, team: TEAM.name, user: 'plugboard', team_id: TEAM.id, user_id: BOT_USER, bot_id: BOT_ID, is_enterprise_install: false }))
        .route(verb, '/api/chat.postMessage', (req) => this.postMessage(params(req)))
        .route(verb, '/api/chat.getPermalink', (req) => this.getPermalink(params(req)))
        .route(verb, '/api/conversations.list', (req) => this.list(params(req)));
    }
    this.server.control('messages', (body: { channel: string }) => ({ messages: this.messagesOf(body.channel) }));
    this.server.control('reset', () => {
      this.channels = [];
      this.messages = new Map();
      this.seed();
      return { ok: true };
    });
  }

  private authenticate(req: SimRequest): SimResponse | null {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const token = bearer ?? (typeof req.body === 'object' ? (req.body as { token?: string })?.token : undefined);
    if (token === this.token) return null;
    // Slack refuses credentials with HTTP 200
    return { body: { ok: false, error: token ? 'invalid_auth' : 'not_authed' } };
  }

  private find(ref: string): Channel | undefined {
    const name = ref.replace(/^#/, '');
    return this.channels.find((c) => c.id === ref || c.name === name);
  }

  private postMessage(p: Record<string, string>): SimResponse {
    if (!p.channel) return fail('channel_not_found');
    const channel = this.find(p.channel);
    if (!channel || (channel.is_private && !channel.is_member)) return fail(channel ? 'not_in_channel' : 'channel_not_found');
    if (channel.is_archived) return fail('is_archived');
    let attachments: SlackMessage['attachments'];
    if (p.attachments) {
      try {
        attachments = (JSON.parse(p.attachments) as Omit<NonNullable<SlackMessage['attachments']>[number], 'id'>[]).map((a, i) => ({ ...a, id: i + 1 }));
      } catch {
        return fail('invalid_array_arg');
      }
    }
    const text = p.text ?? '';
    if (!text.trim() && !attachments?.length) return fail('no_text');
    if (text.length > MAX_TEXT) return fail('msg_too_long');
    const message: SlackMessage = {
      channel: channel.id, ts: this.nextTs(), text, user: BOT_USER, bot_id: BOT_ID,
      ...(p.thread_ts ? { thread_ts: p.thread_ts } : {}), ...(attachments ? { attachments } : {}),
    };
    this.messages.set(channel.id, [...(this.messages.get(channel.id) ?? []), message]);
    const { channel: _id, ...shown } = message;
    return ok({ channel: channel.id, ts: message.ts, message: { type: 'message', ...shown, team: TEAM.id } });
  }

  private getPermalink(p: Record<string, string>): SimResponse {
    const channel = p.channel ? this.find(p.channel) : undefined;
    if (!channel) return fail('channel_not_found');
    if (!(this.messages.get(channel.id) ?? []).some((m) => m.ts === p.message_ts)) return fail('message_not_found');
    return ok({ channel: channel.id, permalink: `https://${TEAM.domain}.slack.com/archives/${channel.id}/p${p.message_ts.replace('.', '')}` });
  }

  private list(p: Record<string, string>): SimResponse {
    const types = (p.types ?? 'public_channel').split(',');
    const limit = Math.min(Math.max(Number(p.limit ?? 100) || 100, 1), 1000);
    const matching = this.channels.filter((c) =>
      (p.exclude_archived !== 'true' || !c.is_archived) && types.includes(c.is_private ? 'private_channel' : 'public_channel'));
    let start = 0;
    if (p.cursor) {
      const id = /^team:(C\d+)$/.exec(Buffer.from(p.cursor, 'base64').toString('utf8'))?.[1];
      start = matching.findIndex((c) => c.id === id);
      if (start < 0) return fail('invalid_cursor');
    }
    const page = matching.slice(start, start + limit);
    const next = matching[start + limit];
    return ok({
      channels: page.map(present),
      response_metadata: { next_cursor: next ? Buffer.from(`team:${next.id}`).toString('base64') : '' },
    });
  }

  /** ts values are seconds.microseconds, unique and increasing within the workspace. */
  private nextTs(): string {
    this.lastTs = Math.max(Date.now() * 1000, this.lastTs + 1);
    return `${Math.floor(this.lastTs / 1_000_000)}.${String(this.lastTs % 1_000_000).padStart(6, '0')}`;
  }
}

function present(c: Channel): Record<string, unknown> {
  const about = (value: string) => ({ value, creator: value ? CREATOR : '', last_set: value ? c.created : 0 });
  return {
    id: c.id, name: c.name, name_normalized: c.name, created: c.created, creator: CREATOR,
    is_channel: !c.is_private, is_group: c.is_private, is_im: false, is_mpim: false, is_private: c.is_private,
    is_archived: c.is_archived, is_general: c.is_general, is_shared: false, is_org_shared: false, is_ext_shared: false,
    is_pending_ext_shared: false, is_member: c.is_member, num_members: c.num_members, unlinked: 0,
    topic: about(c.topic), purpose: about(c.purpose), previous_names: [], shared_team_ids: [TEAM.id], pending_shared: [],
  };
}

/** Method arguments arrive as a query, a form body or a JSON body. */
function params(req: SimRequest): Record<string, string> {
  const body = typeof req.body === 'object' && req.body ? (req.body as Record<string, unknown>) : {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...req.query, ...body })) {
    if (v !== undefined && v !== null) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}

function ok(body: Record<string, unknown>): SimResponse {
  return { body: { ok: true, ...body } };
}

function fail(error: string): SimResponse {
  return { body: { ok: false, error } };
}

function errorBody(status: number): { ok: false; error: string } {
  const error = status === 404 ? 'unknown_method' : status === 429 ? 'ratelimited' : status === 503 ? 'service_unavailable' : status >= 500 ? 'fatal_error' : 'invalid_arguments';
  return { ok: false, error };
}
