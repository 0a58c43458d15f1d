import { randomBytes } from 'node:crypto';
import type { RunningSimulator, SimulatorOptions } from '../../../core/plugin-sdk';
import { OAuthServerSim, SimulatorServer, type RecordedCall, type SimHandler, type SimRequest, type SimResponse } from '../../../core/plugin-sdk/simulator';

/**
 * A fake YouTube channel behind Google's endpoints: OAuth 2.0 (one-hour tokens, refresh tokens),
 * channels.list?mine, the uploads playlist, videos.list, and videos.insert as a resumable upload
 * (metadata opens a session, a PUT of the bytes finishes it). Metadata is held to YouTube's rules
 * (title 1-100 characters, description at most 5,000 bytes, no angle brackets, tags within 500
 * characters, publishAt only on private videos); errors are Google's `{ error: { code, message,
 * errors[], status } }`; the daily quota is metered in units (an upload 1,600, a list 1).
 */

export interface SimVideo {
  id: string;
  title: string;
  description: string;
  tags: string[];
  categoryId: string;
  privacyStatus: string;
  publishAt?: string;
  madeForKids: boolean;
  publishedAt: string;
  /** what the upload carried */
  bytes: number;
  contentType: string;
}

export interface YoutubeSimulator extends RunningSimulator {
  readonly calls: readonly RecordedCall[];
  oauthClient: { clientId: string; clientSecret: string };
  channelId: string;
  /** the channel's videos, newest first */
  videos(): readonly SimVideo[];
  /** quota units spent today */
  readonly quotaUsed: number;
}

const CHANNEL = { id: 'UCpLuGb0ArDs1mUlAt0r00Aa', title: 'Plugboard Simulator', customUrl: '@plugboardsim', publishedAt: '2020-01-01T00:00:00Z' };
const UPLOADS = `UU${CHANNEL.id.slice(2)}`;
const DAILY_QUOTA = 10_000;
const COST = { list: 1, insert: 1600 };
const DEFAULT_SEED = 75;
const CATEGORIES = new Set(['1', '2', '10', '15', '17', '19', '20', '22', '23', '24', '25', '26', '27', '28', '29']);
const STATUS_NAME: Record<number, string> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE' };

export async function startSimulator(opts: SimulatorOptions = {}): Promise<YoutubeSimulator> {
  const yt = new YoutubeApi(opts.seed ?? DEFAULT_SEED);
  const url = await yt.server.listen(opts.port);
  return {
    url,
    credentials: { accessToken: yt.oauth.issueAccessToken() },
    oauthClient: yt.oauth.client,
    channelId: CHANNEL.id,
    get calls() {
      return yt.server.calls;
    },
    videos: () => [...yt.videos],
    get quotaUsed() {
      return yt.quotaUsed;
    },
    close: () => yt.server.close(),
  };
}

class YoutubeApi {
  readonly server: SimulatorServer;
  readonly oauth = new OAuthServerSim({
    paths: { authorize: '/o/oauth2/v2/auth', token: '/token', revoke: '/revoke' },
    accessTokenTtlSeconds: 3599,
    refreshTokens: true,
    pkce: 'optional',
    extraTokenFields: (scope) => ({ scope, token_type: 'Bearer' }),
  });
  readonly videos: SimVideo[] = [];
  quotaUsed = 0;
  private readonly sessions = new Map<string, { metadata: Omit<SimVideo, 'id' | 'publishedAt' | 'bytes' | 'contentType'>; contentType: string; length: number | null }>();

  constructor(seed: number) {
    this.server = new SimulatorServer({
      name: 'youtube',
      authenticate: (req) => this.authenticate(req),
      rateLimit: {
        limit: 100, windowMs: 10_000,
        headers: () => ({}),
        exceeded: () => ({ body: googleError(429, 'The request cannot be completed because you have exceeded your quota of requests per minute.', 'rateLimitExceeded', 'usageLimits') }),
      },
      errorBody: (status, message) => googleError(status, message, status >= 500 ? 'backendError' : 'badRequest'),
    });
    this.oauth.install(this.server);
    const start = Date.now() - (seed + 1) * 86_400_000;
    for (let i = 0; i < seed; i++) {
      this.videos.unshift({
        id: videoId(), title: `Seeded video ${i + 1}`, description: 'From the archive', tags: ['archive'], categoryId: '22', privacyStatus: 'public',
        madeForKids: false, publishedAt: new Date(start + i * 86_400_000).toISOString(), bytes: 1024, contentType: 'video/mp4',
      });
    }
    this.server
      .route('GET', '/youtube/v3/channels', metered(this, COST.list, (req) => this.channels(req)))
      .route('GET', '/youtube/v3/playlistItems', metered(this, COST.list, (req) => this.playlistItems(req)))
      .route('GET', '/youtube/v3/videos', metered(this, COST.list, (req) => this.listVideos(req)))
      .route('POST', '/upload/youtube/v3/videos', metered(this, COST.insert, (req) => this.startUpload(req)))
      .route('PUT', '/upload/youtube/v3/videos', (req) => this.finishUpload(req));
    this.server.control('quota', (body: { used: number }) => ({ used: (this.quotaUsed = body.used) }));
  }

  private authenticate(req: SimRequest): SimResponse | null {
    if (this.oauth.isOAuthPath(req.path) || this.oauth.bearer(req) === 'valid') return null;
    return {
      status: 401,
      headers: { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
      body: googleError(401, 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.', 'authError', 'global', { location: 'Authorization', locationType: 'header' }, 'Invalid Credentials'),
    };
  }

  private channels(req: SimRequest): SimResponse {
    const parts = partsOf(req);
    if (!parts) return missingPart();
    if (req.query.mine !== 'true') return { body: listResponse('youtube#channelListResponse', []) };
    const channel: Record<string, unknown> = { kind: 'youtube#channel', etag: etag(), id: CHANNEL.id };
    if (parts.includes('snippet')) channel.snippet = { title: CHANNEL.title, description: 'Videos from the simulator', customUrl: CHANNEL.customUrl, publishedAt: CHANNEL.publishedAt, thumbnails: {} };
    if (parts.includes('contentDetails')) channel.contentDetails = { relatedPlaylists: { likes: '', uploads: UPLOADS } };
    return { body: listResponse('youtube#channelListResponse', [channel]) };
  }

  private playlistItems(req: SimRequest): SimResponse {
    const parts = partsOf(req);
    if (!parts) return missingPart();
    if (req.query.playlistId !== UPLOADS) {
      return { status: 404, body: googleError(404, "The playlist identified with the request's <code>playlistId</code> parameter cannot be found.", 'playlistNotFound', 'youtube.playlistItem', { location: 'playlistId', locationType: 'parameter' }) };
    }
    const max = req.query.maxResults === undefined ? 5 : Number(req.query.maxResults);
    if (!Number.isInteger(max) || max < 0 || max > 50) {
      return { status: 400, body: googleError(400, `Invalid value '${req.query.maxResults}'. Values must be within the range: [0, 50]`, 'invalidParameter', 'global', { location: 'maxResults', locationType: 'parameter' }) };
    }
    const start = req.query.pageToken ? Number(Buffer.from(String(req.query.pageToken), 'base64url').toString('utf8').replace(/^offset:/, '')) : 0;
    const page = this.videos.slice(start, start + max);
    const items = page.map((v, i) => ({
      kind: 'youtube#playlistItem', etag: etag(), id: Buffer.from(`${UPLOADS}.${v.id}`).toString('base64url'),
      ...(parts.includes('snippet') ? {
        snippet: {
          publishedAt: v.publishedAt, channelId: CHANNEL.id, title: v.title, description: v.description, thumbnails: {}, channelTitle: CHANNEL.title,
          playlistId: UPLOADS, position: start + i, resourceId: { kind: 'youtube#video', videoId: v.id }, videoOwnerChannelTitle: CHANNEL.title, videoOwnerChannelId: CHANNEL.id,
        },
      } : {}),
      ...(parts.includes('contentDetails') ? { contentDetails: { videoId: v.id, videoPublishedAt: v.publishedAt } } : {}),
      ...(parts.includes('status') ? { status: { privacyStatus: v.privacyStatus } } : {}),
    }));
    const next = start + max < this.videos.length ? Buffer.from(`offset:${start + max}`).toString('base64url') : undefined;
    return { body: { ...listResponse('youtube#playlistItemListResponse', items, this.videos.length, max), ...(next ? { nextPageToken: next } : {}) } };
  }

  private listVideos(req: SimRequest): SimResponse {
    if (!partsOf(req)) return missingPart();
    const ids = String(req.query.id ?? '').split(',');
    return { body: listResponse('youtube#videoListResponse', this.videos.filter((v) => ids.includes(v.id)).map(present)) };
  }

  private startUpload(req: SimRequest): SimResponse {
    if (req.query.uploadType !== 'resumable') return { status: 400, body: googleError(400, 'This simulator takes uploads as resumable sessions (uploadType=resumable).', 'badContent') };
    const parts = partsOf(req);
    if (!parts) return missingPart();
    const contentType = req.headers['x-upload-content-type'] ?? 'application/octet-stream';
    if (!/^video\/|^application\/octet-stream$/.test(contentType)) {
      return { status: 400, body: googleError(400, `Media type '${contentType}' is not supported. Valid media types: [video/*, application/octet-stream]`, 'badContent') };
    }
    const checked = checkMetadata(req.body);
    if ('error' in checked) return { status: 400, body: checked };
    const uploadId = randomBytes(24).toString('base64url');
    const length = req.headers['x-upload-content-length'];
    this.sessions.set(uploadId, { metadata: checked, contentType, length: length === undefined ? null : Number(length) });
    const location = `http://${req.headers.host}/upload/youtube/v3/videos?uploadType=resumable&part=${encodeURIComponent(parts.join(','))}&upload_id=${uploadId}`;
    return { headers: { location, 'x-guploader-uploadid': uploadId }, text: '' };
  }

  private finishUpload(req: SimRequest): SimResponse {
    const uploadId = String(req.query.upload_id ?? '');
    const session = this.sessions.get(uploadId);
    if (!session) return { status: 404, body: googleError(404, 'The upload session does not exist or has expired.', 'notFound') };
    const bytes = Buffer.byteLength(req.rawBody);
    if (bytes === 0 || (session.length !== null && bytes !== session.length)) {
      return { status: 400, body: googleError(400, `The upload carried ${bytes} bytes, the session announced ${session.length}.`, bytes === 0 ? 'emptyFile' : 'badContent') };
    }
    this.sessions.delete(uploadId);
    const video: SimVideo = { id: videoId(), ...session.metadata, publishedAt: new Date().toISOString(), bytes, contentType: req.headers['content-type'] ?? session.contentType };
    this.videos.unshift(video);
    return { body: present(video) };
  }
}

/** Charges a call's quota units first; a spent day is a 403 quotaExceeded. */
function metered(api: { quotaUsed: number }, units: number, handler: SimHandler): SimHandler {
  return (req) => {
    if (api.quotaUsed + units > DAILY_QUOTA) {
      return { status: 403, body: googleError(403, 'The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.', 'quotaExceeded', 'youtube.quota') };
    }
    api.quotaUsed += units;
    return handler(req);
  };
}

type Metadata = Omit<SimVideo, 'id' | 'publishedAt' | 'bytes' | 'contentType'>;

/** YouTube's rules for a video's metadata; the Google error body when they are broken. */
function checkMetadata(body: unknown): Metadata | ReturnType<typeof googleError> {
  const b = (typeof body === 'object' && body ? body : {}) as { snippet?: Record<string, any>; status?: Record<string, any> };
  const s = b.snippet ?? {};
  const st = b.status ?? {};
  const bad = (reason: string, message: string) => googleError(400, message, reason, 'youtube.video');
  const title = typeof s.title === 'string' ? s.title : '';
  if (!title.trim() || [...title].length > 100 || /[<>]/.test(title)) return bad('invalidTitle', 'The request metadata specifies an invalid or empty video title.');
  const description = typeof s.description === 'string' ? s.description : '';
  if (Buffer.byteLength(description) > 5000 || /[<>]/.test(description)) return bad('invalidDescription', 'The request metadata specifies an invalid video description.');
  const tags: string[] = Array.isArray(s.tags) ? s.tags : [];
  if (tags.reduce((n, t, i) => n + [...t].length + (t.includes(' ') ? 2 : 0) + (i ? 1 : 0), 0) > 500) return bad('invalidTags', 'The request metadata specifies invalid video keywords.');
  const categoryId = String(s.categoryId ?? '22');
  if (!CATEGORIES.has(categoryId)) return bad('invalidCategoryId', 'The <code>snippet.categoryId</code> property specifies an invalid category ID.');
  const privacyStatus = st.privacyStatus ?? 'public';
  if (!['public', 'unlisted', 'private'].includes(privacyStatus)) return bad('invalidVideoMetadata', 'The request metadata is invalid.');
  if (st.publishAt !== undefined && (privacyStatus !== 'private' || Number.isNaN(Date.parse(st.publishAt)))) {
    return bad('invalidPublishAt', 'The request metadata specifies an invalid scheduled publishing time.');
  }
  return { title, description, tags, categoryId, privacyStatus, ...(st.publishAt ? { publishAt: st.publishAt } : {}), madeForKids: st.selfDeclaredMadeForKids === true };
}

function present(v: SimVideo): Record<string, unknown> {
  return {
    kind: 'youtube#video', etag: etag(), id: v.id,
    snippet: {
      publishedAt: v.publishedAt, channelId: CHANNEL.id, title: v.title, description: v.description, thumbnails: {}, channelTitle: CHANNEL.title,
      ...(v.tags.length ? { tags: v.tags } : {}), categoryId: v.categoryId, liveBroadcastContent: 'none', localized: { title: v.title, description: v.description },
    },
    status: {
      uploadStatus: 'uploaded', privacyStatus: v.privacyStatus, ...(v.publishAt ? { publishAt: v.publishAt } : {}), license: 'youtube', embeddable: true,
      publicStatsViewable: true, madeForKids: v.madeForKids, selfDeclaredMadeForKids: v.madeForKids,
    },
  };
}

function listResponse(kind: string, items: unknown[], total = items.length, perPage = 5): Record<string, unknown> {
  return { kind, etag: etag(), pageInfo: { totalResults: total, resultsPerPage: perPage }, items };
}

function partsOf(req: SimRequest): string[] | null {
  const part = req.query.part;
  if (part === undefined || part === '') return null;
  return (Array.isArray(part) ? part : [part]).flatMap((p) => String(p).split(','));
}

function missingPart(): SimResponse {
  return { status: 400, body: googleError(400, 'Required parameter: part', 'required', 'global', { location: 'part', locationType: 'parameter' }) };
}

function googleError(code: number, message: string, reason: string, domain = 'global', where: Record<string, string> = {}, summary = message): { error: Record<string, unknown> } {
  return { error: { code, message, errors: [{ message: summary, domain, reason, ...where }], status: STATUS_NAME[code] ?? 'UNKNOWN' } };
}

function videoId(): string {
  return randomBytes(8).toString('base64url').slice(0, 11);
}

function etag(): string {
  return randomBytes(20).toString('base64url');
}
