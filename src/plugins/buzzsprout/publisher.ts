import { definePublisher, z } from '../../core/plugin-sdk';
import { createEpisode, episodeUrl, podcastId, showNotesHtml } from './buzzsprout.client';

export const buzzsproutPublisher = definePublisher({
  contentTypes: ['episode'],
  rules: {
    // show notes: Apple Podcasts, where most listeners read them, cuts descriptions at 4,000 characters
    maxLength: 4000,
    // tags are the episode's own field, not text
    hashtags: 'none',
    links: 'append',
    // Buzzsprout fetches the audio (and artwork) from their URLs itself
    media: { accepts: { audio: 'url', image: 'url' }, max: 2, requires: 'audio' },
    title: { maxLength: 255, required: true },
  },
  options: z.object({
    private: z.boolean().default(false),
    explicit: z.boolean().default(false),
    episodeNumber: z.number().int().positive().optional(),
    seasonNumber: z.number().int().positive().optional(),
    /** release later: Buzzsprout holds the episode until then */
    publishAt: z.iso.datetime({ offset: true }).optional(),
    /** the episode's short summary (the description is the show notes) */
    summary: z.string().max(4000).optional(),
  }),
  async publish(ctx, content, options) {
    const podcast = await podcastId(ctx);
    const audio = content.media.find((m) => m.kind === 'audio')!;
    const artwork = content.media.find((m) => m.kind === 'image');
    const episode = await createEpisode(ctx, podcast, {
      title: content.title!,
      description: showNotesHtml(content.text),
      ...(options.summary ? { summary: options.summary } : {}),
      tags: content.tags.join(','),
      audio_url: audio.url!,
      ...(artwork?.url ? { artwork_url: artwork.url } : {}),
      ...(options.publishAt ? { published_at: options.publishAt } : {}),
      ...(options.episodeNumber ? { episode_number: options.episodeNumber } : {}),
      ...(options.seasonNumber ? { season_number: options.seasonNumber } : {}),
      explicit: options.explicit,
      private: options.private,
      // the hub reports the result; no email to the account owner for every API upload
      email_user_after_audio_processed: false,
    });
    return { externalId: String(episode.id), url: episodeUrl(podcast, episode.id) };
  },
});
