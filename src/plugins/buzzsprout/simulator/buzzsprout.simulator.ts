import { randomBytes } from 'node:crypto';
import type { RunningSimulator, SimulatorOptions } from '../../../core/plugin-sdk';
import { SimulatorServer, type RecordedCall, type SimRequest, type SimResponse } from '../../../core/plugin-sdk/simulator';
import type { BuzzsproutEpisode } from '../buzzsprout.client';

/**
 * A fake Buzzsprout account with one podcast: `Authorization: Token token=...` (or `?api_token=`),
 * Rails' plain-text 401, 415 for writes that are not JSON, 422 with per-field messages, and the
 * episodes endpoints (unpaged list, create, read, update). A created episode's audio is "fetched"
 * from the given URL and served from Buzzsprout's own address, as the real service does.
 */

export interface SimEpisode extends BuzzsproutEpisode {
  /** where the audio was fetched from (the API answers with Buzzsprout's copy) */
  sourceAudioUrl: string | null;
  total_plays: number;
}

export interface BuzzsproutSimulator extends RunningSimulator {
  readonly calls: readonly RecordedCall[];
  podcastId: string;
  /** the podcast's episodes, newest first, as stored */
  episodes(): readonly SimEpisode[];
}

const PODCAST = { id: 140447, title: 'Plugboard Weekly', author: 'Plugboard', description: 'Integration news, weekly.', website_address: 'https://plugboard.example/', contact_email: 'podcast@plugboard.test', keywords: 'integrations, saas', explicit: false, main_category: 'Technology', language: 'en-us', timezone: 'UTC', artwork_url: 'https://storage.buzzsprout.com/variants/plugboard/artwork.jpg' };
const DEFAULT_SEED = 30;
const EPISODE_FIELDS = ['title', 'description', 'summary', 'artist', 'tags', 'published_at', 'episode_number', 'season_number', 'explicit', 'private', 'email_user_after_audio_processed', 'audio_url', 'artwork_url', 'guid', 'hq', 'inactive_at', 'duration'];

export async function startSimulator(opts: SimulatorOptions = {}): Promise<BuzzsproutSimulator> {
  const account = new BuzzsproutAccount(opts.seed ?? DEFAULT_SEED);
  const url = await account.server.listen(opts.port);
  return {
    url,
    credentials: { apiToken: account.token },
    podcastId: String(PODCAST.id),
    get calls() {
      return account.server.calls;
    },
    episodes: () => [...account.episodes],
    close: () => account.server.close(),
  };
}

class BuzzsproutAccount {
  readonly token = randomBytes(16).toString('hex');
  readonly server: SimulatorServer;
  readonly episodes: SimEpisode[] = [];
  private nextId = 788_881;

  constructor(seed: number) {
    this.server = new SimulatorServer({
      name: 'buzzsprout',
      authenticate: (req) => this.authenticate(req),
      errorBody: (status, message) => ({ error: message, status }),
    });
    const start = Date.now() - (seed + 1) * 7 * 86_400_000;
    for (let i = 0; i < seed; i++) {
      this.insert({ title: `Episode ${i + 1}: integration stories`, description: `<p>Show notes of episode ${i + 1}</p>`, published_at: new Date(start + i * 7 * 86_400_000).toISOString(), episode_number: i + 1, audio_url: `https://media.plugboard.example/${i + 1}.mp3` });
    }
    this.server
      .route('GET', '/api/podcasts.json', () => ({ body: [PODCAST] }))
      .route('GET', '/api/:podcast/episodes.json', (req) => this.withPodcast(req, () => ({ body: this.episodes.map(present) })))
      .route('POST', '/api/:podcast/episodes.json', (req) => this.withPodcast(req, () => this.create(req)))
      .route('GET', '/api/:podcast/episodes/:file', (req) => this.withEpisode(req, (e) => ({ body: present(e) })))
      .route('PUT', '/api/:podcast/episodes/:file', (req) => this.withEpisode(req, (e) => this.update(req, e)));
  }

  private authenticate(req: SimRequest): SimResponse | null {
    const header = /^Token token="?([^",\s]+)"?$/.exec(req.headers.authorization ?? '')?.[1];
    if ((header ?? req.query.api_token) === this.token) return null;
    // Rails' authenticate_or_request_with_http_token
    return { status: 401, headers: { 'www-authenticate': 'Token realm="Application"' }, text: 'HTTP Token: Access denied.\n' };
  }

  private withPodcast(req: SimRequest, handler: () => SimResponse): SimResponse {
    if (req.params.podcast !== String(PODCAST.id)) return { status: 404, body: { error: 'Not Found' } };
    if ((req.method === 'POST' || req.method === 'PUT') && !req.headers['content-type']?.startsWith('application/json')) return { status: 415, text: '' };
    return handler();
  }

  private withEpisode(req: SimRequest, handler: (e: SimEpisode) => SimResponse): SimResponse {
    return this.withPodcast(req, () => {
      const id = /^(\d+)\.json$/.exec(req.params.file)?.[1];
      const episode = id ? this.episodes.find((e) => e.id === Number(id)) : undefined;
      return episode ? handler(episode) : { status: 404, body: { error: 'Not Found' } };
    });
  }

  private create(req: SimRequest): SimResponse {
    const fields = pick(req.body);
    const errors = validate(fields, true);
    if (errors) return { status: 422, body: errors };
    return { status: 201, body: present(this.insert(fields)) };
  }

  private update(req: SimRequest, episode: SimEpisode): SimResponse {
    const fields = pick(req.body);
    const errors = validate(fields, false);
    if (errors) return { status: 422, body: errors };
    Object.assign(episode, this.hosted(episode.id, fields));
    return { body: present(episode) };
  }

  private insert(fields: Record<string, any>): SimEpisode {
    const id = this.nextId++;
    const episode: SimEpisode = {
      id, title: '', audio_url: null, artwork_url: null, description: '', summary: '', artist: PODCAST.author, tags: '',
      published_at: new Date().toISOString(), duration: null, guid: `Buzzsprout-${id}`, episode_number: null, season_number: null,
      explicit: false, private: false, sourceAudioUrl: null, total_plays: 0, ...this.hosted(id, fields),
    };
    this.episodes.unshift(episode);
    return episode;
  }

  /** The fields as stored: an audio URL is fetched and served from Buzzsprout's own address. */
  private hosted(id: number, fields: Record<string, any>): Partial<SimEpisode> {
    const { email_user_after_audio_processed: _email, audio_url: source, ...rest } = fields;
    if (!source) return rest;
    const slug = String(fields.title ?? 'episode').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
    return { ...rest, sourceAudioUrl: source, audio_url: `https://www.buzzsprout.com/${PODCAST.id}/${id}-${slug}.mp3`, duration: 1800 };
  }
}

function pick(body: unknown): Record<string, any> {
  const b = (typeof body === 'object' && body ? body : {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(b).filter(([k]) => EPISODE_FIELDS.includes(k)));
}

/** Rails' validation errors: field -> messages; null when the episode is valid. */
function validate(f: Record<string, any>, creating: boolean): Record<string, string[]> | null {
  const errors: Record<string, string[]> = {};
  if ((creating || 'title' in f) && !String(f.title ?? '').trim()) errors.title = ["can't be blank"];
  for (const k of ['audio_url', 'artwork_url']) if (f[k] !== undefined && !/^https?:\/\/\S+$/.test(String(f[k]))) errors[k] = ['is invalid'];
  if (f.published_at !== undefined && Number.isNaN(Date.parse(f.published_at))) errors.published_at = ['is invalid'];
  return Object.keys(errors).length ? errors : null;
}

function present(e: SimEpisode): Record<string, unknown> {
  const { sourceAudioUrl: _source, ...shown } = e;
  return { ...shown, hq: true, inactive_at: null };
}
