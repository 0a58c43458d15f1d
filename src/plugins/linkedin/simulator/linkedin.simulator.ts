import type { RunningSimulator, SimulatorOptions } from '../../../core/plugin-sdk';
import { OAuthServerSim, SimulatorServer, type RecordedCall, type SimHandler, type SimRequest, type SimResponse } from '../../../core/plugin-sdk/simulator';
import { LINKEDIN_VERSION } from '../manifest';

/**
 * A fake LinkedIn for one member who administers one page: OAuth 2.0 (60-day tokens, no refresh
 * tokens for ordinary apps), /v2/userinfo, and the versioned Posts API (create with author,
 * commentary in little text, article or media content; list by author). Versioned calls need a
 * LinkedIn-Version header naming an active version; errors carry LinkedIn's status, serviceErrorCode,
 * code and message.
 */

export interface SimPost {
  id: string;
  author: string;
  commentary: string;
  /** what members see: the little text rendered, cut at the first unescaped reserved character */
  rendered: string;
  visibility: string;
  lifecycleState: string;
  distribution: Record<string, unknown>;
  content?: Record<string, unknown>;
  isReshareDisabledByAuthor: boolean;
  createdAt: number;
  lastModifiedAt: number;
  publishedAt: number;
}

export interface LinkedinSimulator extends RunningSimulator {
  readonly calls: readonly RecordedCall[];
  oauthClient: { clientId: string; clientSecret: string };
  member: { urn: string; name: string };
  /** the page the member administers, so can post as */
  organizationUrn: string;
  /** every post, oldest first */
  posts(): readonly SimPost[];
}

const MEMBER = { sub: 'x7Pq2mLbT0', name: 'Ada Lovelace', given_name: 'Ada', family_name: 'Lovelace', email: 'ada@plugboard.test' };
const MEMBER_URN = `urn:li:person:${MEMBER.sub}`;
const ORGANIZATION_URN = 'urn:li:organization:2414183';
const COMMENTARY_MAX = 3000;
const PAGE_MAX = 100;
const DEFAULT_SEED = 120;
/** LinkedIn keeps a monthly version active for a year: the simulator knows the twelve ending at the plugin's pin. */
const ACTIVE_VERSIONS = Array.from({ length: 12 }, (_, i) => {
  const y = Number(LINKEDIN_VERSION.slice(0, 4));
  const m = Number(LINKEDIN_VERSION.slice(4)) - i;
  const d = new Date(Date.UTC(y, m - 1, 1));
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
});
const RESERVED = new Set('\\|{}@[]()<>#*_~');

export async function startSimulator(opts: SimulatorOptions = {}): Promise<LinkedinSimulator> {
  const li = new LinkedinApi(opts.seed ?? DEFAULT_SEED);
  const url = await li.server.listen(opts.port);
  return {
    url,
    credentials: { accessToken: li.oauth.issueAccessToken() },
    oauthClient: li.oauth.client,
    member: { urn: MEMBER_URN, name: MEMBER.name },
    organizationUrn: ORGANIZATION_URN,
    get calls() {
      return li.server.calls;
    },
    posts: () => [...li.posts.values()],
    close: () => li.server.close(),
  };
}

class LinkedinApi {
  readonly server: SimulatorServer;
  readonly oauth = new OAuthServerSim({
    paths: { authorize: '/oauth/v2/authorization', token: '/oauth/v2/accessToken', revoke: '/oauth/v2/revoke' },
    accessTokenTtlSeconds: 5_184_000,
    refreshTokens: false,
    pkce: 'optional',
    extraTokenFields: (scope) => ({ scope: scope.split(' ').join(','), token_type: 'Bearer' }),
  });
  readonly posts = new Map<string, SimPost>();
  private nextId = 7_300_000_000_000_000_000n;

  constructor(seed: number) {
    this.server = new SimulatorServer({
      name: 'linkedin',
      authenticate: (req) => this.authenticate(req),
      rateLimit: {
        limit: 100, windowMs: 60_000,
        // LinkedIn sends no rate-limit headers
        headers: () => ({}),
        exceeded: () => ({ body: liError(429, 'Resource level throttle APPLICATION DAY limit for calls to this resource is reached.', 'TOO_MANY_REQUESTS', 101) }),
      },
      errorBody: (status, message) => liError(status, message),
    });
    this.oauth.install(this.server);
    const start = Date.now() - (seed + 10) * 86_400_000;
    for (let i = 0; i < seed; i++) {
      const at = start + i * 86_400_000;
      this.insert({ author: i % 4 === 0 ? ORGANIZATION_URN : MEMBER_URN, commentary: `Seeded update ${i} \\(archive\\)`, visibility: 'PUBLIC', at });
    }
    this.server
      .route('GET', '/v2/userinfo', () => ({ body: { ...MEMBER, email_verified: true, locale: { country: 'US', language: 'en' } } }))
      .route('POST', '/rest/posts', versioned((req) => this.create(req)))
      .route('GET', '/rest/posts', versioned((req) => this.list(req)))
      .route('GET', '/rest/posts/:urn', versioned((req) => {
        const post = this.posts.get(decodeURIComponent(req.params.urn));
        return post ? { body: present(post) } : { status: 404, body: liError(404, `Post ${req.params.urn} does not exist`, 'NOT_FOUND', 100) };
      }));
  }

  private authenticate(req: SimRequest): SimResponse | null {
    if (this.oauth.isOAuthPath(req.path)) return null;
    const state = this.oauth.bearer(req);
    if (state === 'valid') return null;
    return state === 'expired'
      ? { status: 401, body: liError(401, 'The token used in the request has expired', 'EXPIRED_ACCESS_TOKEN', 65601) }
      : { status: 401, body: liError(401, 'Invalid access token', 'INVALID_ACCESS_TOKEN', 65600) };
  }

  private create(req: SimRequest): SimResponse {
    const b = (typeof req.body === 'object' && req.body ? req.body : {}) as Record<string, any>;
    const problems: { fieldPath: string; description: string }[] = [];
    const need = (ok: boolean, fieldPath: string, description: string) => ok || problems.push({ fieldPath, description });
    need(typeof b.author === 'string' && /^urn:li:(person|organization):/.test(b.author), '/author', 'author must be a person or organization URN');
    need(typeof b.commentary === 'string', '/commentary', 'commentary is required');
    need(['PUBLIC', 'CONNECTIONS', 'LOGGED_IN'].includes(b.visibility), '/visibility', 'visibility must be PUBLIC, CONNECTIONS or LOGGED_IN');
    need(b.distribution?.feedDistribution !== undefined, '/distribution/feedDistribution', 'feedDistribution is required');
    need(['PUBLISHED', 'DRAFT'].includes(b.lifecycleState), '/lifecycleState', 'lifecycleState must be PUBLISHED or DRAFT');
    const rendered = typeof b.commentary === 'string' ? render(b.commentary) : '';
    need(rendered.length <= COMMENTARY_MAX, '/commentary', `commentary must be at most ${COMMENTARY_MAX} characters`);
    if (b.content?.article) {
      need(typeof b.content.article.source === 'string' && /^https?:\/\//.test(b.content.article.source), '/content/article/source', 'source must be a URL');
      need(typeof b.content.article.title === 'string' && b.content.article.title.length > 0, '/content/article/title', 'title is required');
    } else if (b.content?.media) {
      need(typeof b.content.media.id === 'string' && /^urn:li:(image|video|document):/.test(b.content.media.id), '/content/media/id', 'id must be an image, video or document URN');
    }
    if (problems.length) return unprocessable(problems);
    if (b.author !== MEMBER_URN && b.author !== ORGANIZATION_URN) {
      return { status: 403, body: liError(403, 'Not enough permissions to access: partnerApiPostsExternal.CREATE.20240101', 'ACCESS_DENIED', 100) };
    }
    const post = this.insert({ author: b.author, commentary: b.commentary, visibility: b.visibility, content: b.content, distribution: b.distribution, lifecycleState: b.lifecycleState });
    return { status: 201, headers: { 'x-restli-id': post.id, 'x-linkedin-id': post.id }, text: '' };
  }

  private list(req: SimRequest): SimResponse {
    const q = req.query as Record<string, string | undefined>;
    if (q.q !== 'author' || !q.author) return { status: 400, body: liError(400, 'Finder q=author with an author parameter is required', 'ILLEGAL_ARGUMENT', 100) };
    const count = Number(q.count ?? 10);
    const start = Number(q.start ?? 0);
    if (!Number.isInteger(count) || count < 1 || count > PAGE_MAX || !Number.isInteger(start) || start < 0) {
      return { status: 400, body: liError(400, `count must be between 1 and ${PAGE_MAX}, start at least 0`, 'ILLEGAL_ARGUMENT', 100) };
    }
    const key = q.sortBy === 'CREATED' ? 'createdAt' : 'lastModifiedAt';
    const mine = [...this.posts.values()].filter((p) => p.author === q.author).sort((x, y) => y[key] - x[key]);
    return { body: { paging: { start, count, links: [] }, elements: mine.slice(start, start + count).map(present) } };
  }

  private insert(p: { author: string; commentary: string; visibility: string; at?: number; content?: Record<string, unknown>; distribution?: Record<string, unknown>; lifecycleState?: string }): SimPost {
    const id = `urn:li:share:${this.nextId}`;
    this.nextId += 7_919n;
    const at = p.at ?? Date.now();
    const post: SimPost = {
      id, author: p.author, commentary: p.commentary, rendered: render(p.commentary), visibility: p.visibility,
      lifecycleState: p.lifecycleState ?? 'PUBLISHED', isReshareDisabledByAuthor: false,
      distribution: p.distribution ?? { feedDistribution: 'MAIN_FEED', targetEntities: [], thirdPartyDistributionChannels: [] },
      ...(p.content ? { content: p.content } : {}), createdAt: at, lastModifiedAt: at, publishedAt: at,
    };
    this.posts.set(id, post);
    return post;
  }
}

/** Checks the version header of the versioned (/rest) APIs, as LinkedIn does before anything else. */
function versioned(handler: SimHandler): SimHandler {
  return (req) => {
    const version = req.headers['linkedin-version'];
    if (!version) return { status: 400, body: liError(400, 'A version must be present. Please specify a version by adding the LinkedIn-Version header.', 'VERSION_MISSING', 100) };
    if (!ACTIVE_VERSIONS.includes(version)) return { status: 426, body: liError(426, `Requested version ${version} is not active`, 'NONEXISTENT_VERSION', 100) };
    return handler(req);
  };
}

/** Little text as members see it: templates and escapes resolved, the rest lost after an unescaped reserved character. */
function render(commentary: string): string {
  let out = '';
  for (let i = 0; i < commentary.length; i++) {
    const ch = commentary[i];
    if (ch === '\\' && i + 1 < commentary.length) {
      out += commentary[++i];
      continue;
    }
    if (commentary.startsWith('{hashtag|\\#|', i)) {
      const end = commentary.indexOf('}', i);
      out += `#${commentary.slice(i + '{hashtag|\\#|'.length, end).replace(/\\(.)/g, '$1')}`;
      i = end;
      continue;
    }
    if (RESERVED.has(ch)) break;
    out += ch;
  }
  return out;
}

function present(p: SimPost): Record<string, unknown> {
  const { rendered: _members, ...post } = p;
  return { ...post, lifecycleStateInfo: { isEditedByAuthor: false } };
}

function liError(status: number, message: string, code?: string, serviceErrorCode?: number): Record<string, unknown> {
  return { status, ...(serviceErrorCode !== undefined ? { serviceErrorCode } : {}), ...(code ? { code } : {}), message };
}

function unprocessable(problems: { fieldPath: string; description: string }[]): SimResponse {
  return {
    status: 422,
    body: {
      errorDetailType: 'com.linkedin.common.error.BadRequest',
      message: problems.map((p) => `${p.fieldPath} :: ${p.description}`).join('\n'),
      errorDetails: { inputErrors: problems.map((p) => ({ description: p.description, input: { inputPath: { fieldPath: p.fieldPath } }, code: 'INVALID_VALUE' })) },
      status: 422,
    },
  };
}
