import type { RunningSimulator, SimulatorOptions } from '../../../core/plugin-sdk';
import { OAuthServerSim, SimulatorServer, type RecordedCall, type SimRequest, type SimResponse } from '../../../core/plugin-sdk/simulator';

/**
 * A fake X API v2 for one user: OAuth 2.0 with PKCE (two-hour tokens, refresh with offline.access),
 * POST /2/tweets with replies, media ids and X's weighted 280-character limit (links count 23),
 * duplicate-content refusals, the user's timeline with pagination tokens and start_time, the
 * x-rate-limit-* headers on every answer and X's problem bodies for errors.
 */

export interface SimTweet {
  id: string;
  text: string;
  author_id: string;
  created_at: string;
  conversation_id: string;
  in_reply_to_tweet_id?: string;
  media_ids?: string[];
  reply_settings?: string;
}

export interface TwitterSimulator extends RunningSimulator {
  readonly calls: readonly RecordedCall[];
  oauthClient: { clientId: string; clientSecret: string };
  user: { id: string; username: string };
  /** the user's posts, oldest first */
  tweets(): readonly SimTweet[];
}

const USER = { id: '1580000000000000001', name: 'Plugboard Simulator', username: 'plugboard_sim' };
const DEFAULT_SEED = 150;
const LIMIT = 100;
const WINDOW_MS = 15 * 60_000;
const TITLES: Record<number, string> = { 400: 'Invalid Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found Error', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable' };
const TIMELINE_PARAMS = ['max_results', 'pagination_token', 'start_time', 'end_time', 'since_id', 'until_id', 'tweet.fields', 'expansions', 'exclude'];
/** the code points twitter-text counts as 1; the rest count 2 */
const LIGHT = [[0, 4351], [8192, 8205], [8208, 8223], [8242, 8247]];

export async function startSimulator(opts: SimulatorOptions = {}): Promise<TwitterSimulator> {
  const x = new XApi(opts.seed ?? DEFAULT_SEED);
  const url = await x.server.listen(opts.port);
  return {
    url,
    credentials: { accessToken: x.oauth.issueAccessToken() },
    oauthClient: x.oauth.client,
    user: { id: USER.id, username: USER.username },
    get calls() {
      return x.server.calls;
    },
    tweets: () => [...x.tweets.values()],
    close: () => x.server.close(),
  };
}

class XApi {
  readonly server: SimulatorServer;
  readonly oauth = new OAuthServerSim({
    paths: { authorize: '/i/oauth2/authorize', token: '/2/oauth2/token', revoke: '/2/oauth2/revoke' },
    accessTokenTtlSeconds: 7200,
    refreshTokens: true,
    pkce: 'required',
    extraTokenFields: (scope) => ({ scope }),
    // X takes a confidential client's id and secret only as a Basic header
    clientAuth: 'basic',
  });
  readonly tweets = new Map<string, SimTweet>();
  private nextId = 1_800_000_000_000_000_000n;

  constructor(seed: number) {
    this.server = new SimulatorServer({
      name: 'twitter',
      authenticate: (req) => (this.oauth.isOAuthPath(req.path) || this.oauth.bearer(req) === 'valid' ? null : { status: 401, body: problem(401, 'Unauthorized') }),
      rateLimit: {
        limit: LIMIT, windowMs: WINDOW_MS,
        headers: (remaining, resetAt, limit) => ({
          'x-rate-limit-limit': String(limit), 'x-rate-limit-remaining': String(remaining), 'x-rate-limit-reset': String(Math.ceil(resetAt / 1000)),
        }),
        exceeded: () => ({ body: problem(429, 'Too Many Requests') }),
      },
      errorBody: (status, message) => problem(status, message),
    });
    this.oauth.install(this.server);
    const start = Date.now() - (seed + 10) * 3_600_000;
    for (let i = 0; i < seed; i++) this.insert({ text: `Seeded post number ${i}`, createdAt: new Date(start + i * 3_600_000) });
    this.server
      .route('GET', '/2/users/me', () => ({ body: { data: USER } }))
      .route('POST', '/2/tweets', (req) => this.create(req))
      .route('GET', '/2/tweets/:id', (req) => this.read(req.params.id))
      .route('DELETE', '/2/tweets/:id', (req) => ({ body: { data: { deleted: this.tweets.delete(req.params.id) } } }))
      .route('GET', '/2/users/:id/tweets', (req) => this.timeline(req));
  }

  private create(req: SimRequest): SimResponse {
    if (!req.headers['content-type']?.includes('application/json') || typeof req.body !== 'object' || !req.body) {
      return invalid('The request body must be a JSON object');
    }
    const b = req.body as { text?: string; reply?: { in_reply_to_tweet_id?: string }; media?: { media_ids?: string[] }; reply_settings?: string };
    const mediaIds = b.media?.media_ids ?? [];
    if (!b.text && mediaIds.length === 0) return invalid('Either text or media is required');
    if (mediaIds.length > 4 || mediaIds.some((m) => !/^\d{1,19}$/.test(m))) return invalid('Your media IDs are invalid.');
    if (b.text && weightedLength(b.text) > 280) {
      return invalid('Your Tweet text is too long. For more information on how X counts characters, see https://docs.x.com/resources/fundamentals/counting-characters');
    }
    const parentId = b.reply?.in_reply_to_tweet_id;
    const parent = parentId ? this.tweets.get(parentId) : undefined;
    if (parentId && !parent) return invalid('The Tweet you are replying to has been deleted or is not visible to you.');
    if (b.text && [...this.tweets.values()].some((t) => t.text === b.text)) {
      return { status: 403, body: problem(403, 'You are not allowed to create a Tweet with duplicate content.') };
    }
    const tweet = this.insert({ text: b.text ?? '', parent, mediaIds, replySettings: b.reply_settings });
    return { status: 201, body: { data: { id: tweet.id, text: tweet.text, edit_history_tweet_ids: [tweet.id] } } };
  }

  private read(id: string): SimResponse {
    const t = this.tweets.get(id);
    if (t) return { body: { data: { id: t.id, text: t.text, edit_history_tweet_ids: [t.id] } } };
    // X answers a missing post with 200 and an errors array
    return { body: { errors: [{ value: id, detail: `Could not find tweet with id: [${id}].`, title: 'Not Found Error', resource_type: 'tweet', parameter: 'id', resource_id: id, type: 'https://api.twitter.com/2/problems/resource-not-found' }] } };
  }

  private timeline(req: SimRequest): SimResponse {
    const q = req.query as Record<string, string | undefined>;
    const unknown = Object.keys(q).find((k) => !TIMELINE_PARAMS.includes(k));
    if (unknown) return invalid(`The query parameter [${unknown}] is not one of [${TIMELINE_PARAMS.join(',')}]`, { [unknown]: [q[unknown] ?? ''] });
    const max = q.max_results === undefined ? 10 : Number(q.max_results);
    if (!Number.isInteger(max) || max < 5 || max > 100) return invalid(`The \`max_results\` query parameter value [${q.max_results}] is not between 5 and 100`, { max_results: [String(q.max_results)] });
    const since = q.start_time ? Date.parse(q.start_time) : null;
    if (since !== null && Number.isNaN(since)) return invalid(`Invalid 'start_time':'${q.start_time}'.`, { start_time: [q.start_time!] });
    if (req.params.id !== USER.id) return { body: { meta: { result_count: 0 } } };
    const fields = (q['tweet.fields'] ?? '').split(',');
    // newest first; the pagination token names the last post of the previous page
    const all = [...this.tweets.values()].reverse().filter((t) => since === null || Date.parse(t.created_at) >= since);
    const after = q.pagination_token ? Buffer.from(q.pagination_token, 'base64url').toString('utf8') : null;
    const start = after ? all.findIndex((t) => t.id === after) + 1 : 0;
    if (after && start === 0) return invalid(`The \`pagination_token\` query parameter value [${q.pagination_token}] is not valid`);
    const page = all.slice(start, start + max);
    if (page.length === 0) return { body: { meta: { result_count: 0 } } };
    const last = page[page.length - 1];
    return {
      body: {
        data: page.map((t) => ({ id: t.id, text: t.text, edit_history_tweet_ids: [t.id], ...(fields.includes('created_at') ? { created_at: t.created_at } : {}) })),
        meta: {
          result_count: page.length, newest_id: page[0].id, oldest_id: last.id,
          ...(start + max < all.length ? { next_token: Buffer.from(last.id).toString('base64url') } : {}),
        },
      },
    };
  }

  private insert(t: { text: string; createdAt?: Date; parent?: SimTweet; mediaIds?: string[]; replySettings?: string }): SimTweet {
    const id = String(this.nextId);
    this.nextId += 1_000_003n;
    const tweet: SimTweet = {
      id, text: t.text, author_id: USER.id, created_at: (t.createdAt ?? new Date()).toISOString(),
      conversation_id: t.parent?.conversation_id ?? id,
      ...(t.parent ? { in_reply_to_tweet_id: t.parent.id } : {}),
      ...(t.mediaIds?.length ? { media_ids: t.mediaIds } : {}),
      ...(t.replySettings ? { reply_settings: t.replySettings } : {}),
    };
    this.tweets.set(id, tweet);
    return tweet;
  }
}

/** twitter-text's count: NFC code points weighted 1 or 2, every link 23. */
function weightedLength(text: string): number {
  let n = 0;
  for (const ch of text.normalize('NFC').replace(/https?:\/\/\S+/g, '\u0000'.repeat(23))) {
    const cp = ch.codePointAt(0)!;
    n += LIGHT.some(([a, b]) => cp >= a && cp <= b) ? 1 : 2;
  }
  return n;
}

function problem(status: number, detail: string): Record<string, unknown> {
  return { title: TITLES[status] ?? 'Error', type: 'about:blank', status, detail };
}

function invalid(message: string, parameters?: Record<string, string[]>): SimResponse {
  return {
    status: 400,
    body: {
      errors: [{ ...(parameters ? { parameters } : {}), message }],
      title: 'Invalid Request', detail: 'One or more parameters to your request was invalid.', type: 'https://api.twitter.com/2/problems/invalid-request',
    },
  };
}
