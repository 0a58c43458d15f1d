import { PublishRejection, type PluginContext } from '../../core/plugin-sdk';

/** An episode as Buzzsprout's episodes endpoints answer it. */
export interface BuzzsproutEpisode {
  id: number;
  title: string;
  audio_url: string | null;
  artwork_url: string | null;
  description: string;
  summary: string;
  artist: string;
  tags: string;
  published_at: string | null;
  duration: number | null;
  guid: string;
  episode_number: number | null;
  season_number: number | null;
  explicit: boolean;
  private: boolean;
}

export interface BuzzsproutPodcast {
  id: number;
  title: string;
}

export interface NewEpisode {
  title: string;
  description: string;
  summary?: string;
  tags: string;
  audio_url: string;
  artwork_url?: string;
  published_at?: string;
  episode_number?: number;
  season_number?: number;
  explicit: boolean;
  private: boolean;
  email_user_after_audio_processed: boolean;
}

export function podcasts(ctx: PluginContext): Promise<BuzzsproutPodcast[]> {
  return ctx.http.get<BuzzsproutPodcast[]>('/api/podcasts.json');
}

/** The podcast the connection works on: its `podcastId` setting, or the account's only podcast. */
export async function podcastId(ctx: PluginContext): Promise<string> {
  if (ctx.settings.podcastId) return ctx.settings.podcastId;
  const all = await podcasts(ctx);
  if (all.length === 1) return String(all[0].id);
  throw new PublishRejection('invalid_options', `the account has ${all.length} podcasts: set the connection's podcastId setting to one of ${all.map((p) => p.id).join(', ')}`);
}

/** Every episode of the podcast: the endpoint is not paged. */
export function episodes(ctx: PluginContext, podcast: string): Promise<BuzzsproutEpisode[]> {
  return ctx.http.get<BuzzsproutEpisode[]>(`/api/${encodeURIComponent(podcast)}/episodes.json`);
}

export async function createEpisode(ctx: PluginContext, podcast: string, episode: NewEpisode): Promise<BuzzsproutEpisode> {
  // JSON with a .json URL: Buzzsprout answers 415 to anything else
  const res = await ctx.http.request<BuzzsproutEpisode>({ method: 'POST', path: `/api/${encodeURIComponent(podcast)}/episodes.json`, json: episode });
  return res.body;
}

export function episodeUrl(podcast: string, episodeId: number): string {
  return `https://www.buzzsprout.com/${podcast}/${episodeId}`;
}

/** Plain text as the HTML Buzzsprout keeps show notes in: escaped, paragraphs and line breaks kept, links clickable. */
export function showNotesHtml(text: string): string {
  const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return text.trim().split(/\n{2,}/).map((paragraph) =>
    `<p>${escape(paragraph).replace(/https?:\/\/[^\s<]+/g, (url) => `<a href="${url}">${url}</a>`).replace(/\n/g, '<br>')}</p>`,
  ).join('');
}
