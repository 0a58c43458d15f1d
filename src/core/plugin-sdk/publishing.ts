import { z } from 'zod';
import { defineAction } from './define';
import type { PluginContext } from './plugin.types';

/**
 * The publish contract: a plugin declares a publisher (the content types it takes, the platform's
 * formatting rules as data, and `publish`), and the core formats content to those rules with the
 * generic helpers below before calling it. Nothing here names a platform.
 */

export const CONTENT_TYPES = ['post', 'article', 'video', 'episode'] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

export const MEDIA_KINDS = ['image', 'video', 'audio'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

/** A media item: where it can be fetched (`url`), or an id the platform already holds (an uploaded image, a media id). */
export interface PublishMedia {
  kind: MediaKind;
  url?: string;
  id?: string;
  mimeType?: string;
  altText?: string;
}

/** What a caller asks to publish, before any platform's rules. */
export interface PublishContent {
  contentType: ContentType;
  text: string;
  title?: string;
  media: PublishMedia[];
  tags: string[];
  links: string[];
}

/** Code point weights: [first, last, weight] ranges; code points outside them weigh `defaultWeight`. */
export interface CharWeights {
  ranges: readonly (readonly [number, number, number])[];
  defaultWeight: number;
}

/** A platform's formatting rules, as data. */
export interface PublishRules {
  /** the longest body the platform takes, in its own counting */
  maxLength: number;
  /** a link's weight in that count when the platform wraps links in a shortener; absent: the link's own length */
  linkLength?: number;
  /** how the platform weighs characters; absent: every code point counts 1 */
  weights?: CharWeights;
  /** content past maxLength becomes a thread of replies; without this it is refused */
  thread?: { maxParts: number; numbering: boolean };
  /** tags appended to the body as hashtags, or left to the publisher (which may send them as fields) */
  hashtags: 'append' | 'none';
  maxHashtags?: number;
  /** links not already in the text: appended, or left to the publisher */
  links: 'append' | 'none';
  /** an article's first link shown as a card outside the body (`card`), or kept in the text (`inline`) */
  articleLink?: 'card' | 'inline';
  /** which media kinds the platform takes and how (by a URL it fetches, or an id it already holds) */
  media: { accepts: Partial<Record<MediaKind, 'url' | 'id'>>; max: number; requires?: MediaKind };
  /** a title the platform needs or takes; derived from the text's first line when required and absent */
  title?: { maxLength: number; required: boolean };
}

/** Content formatted to one platform's rules: what a publisher sends. */
export interface FormattedContent {
  contentType: ContentType;
  /** the whole body; when threaded, `parts` holds it split */
  text: string;
  /** one part, or a thread's parts in order */
  parts: string[];
  title: string | null;
  /** an article's card link (`articleLink: 'card'`), not in the text */
  articleUrl: string | null;
  media: PublishMedia[];
  tags: string[];
  links: string[];
}

export interface PublishedPart {
  externalId: string;
  url: string;
}

export interface PublishResult extends PublishedPart {
  /** a thread's posts, first to last (the first is externalId) */
  parts?: PublishedPart[];
}

/** Media bytes for platforms that take an upload rather than a URL. */
export interface MediaReader {
  read(item: PublishMedia): Promise<{ data: Uint8Array; contentType: string }>;
}

export interface PublishContext extends PluginContext {
  media: MediaReader;
  /** the thread parts an earlier attempt already published: a publisher continues after them */
  resume: readonly PublishedPart[];
  /** records a thread part as published, so that a retry continues after it instead of posting it twice */
  partPublished(part: PublishedPart): Promise<void>;
}

export interface PublisherDefinition<O extends z.ZodType = z.ZodType> {
  contentTypes: readonly ContentType[];
  rules: PublishRules;
  /** what a request may pass this platform (`options.<plugin>`), checked before publishing */
  options?: O;
  publish(ctx: PublishContext, content: FormattedContent, options: z.infer<O>): Promise<PublishResult>;
}

export function definePublisher<O extends z.ZodType = z.ZodType>(def: PublisherDefinition<O>): PublisherDefinition<O> {
  return def;
}

export type PublishRejectionCode =
  | 'unsupported_content_type' | 'content_too_long' | 'media_not_accepted' | 'media_required' | 'too_many_media'
  | 'title_too_long' | 'invalid_options' | 'media_unavailable';

/** Content a platform cannot take as it is: a per-platform error that retrying cannot cure. */
export class PublishRejection extends Error {
  constructor(readonly code: PublishRejectionCode, message: string) {
    super(message);
    this.name = 'PublishRejection';
  }
}

const URL_PATTERN = /https?:\/\/[^\s<>"]+/g;
const ELLIPSIS = '…';

/** A body's length as the platform counts it: links at their fixed weight, characters by their weights. */
export function measureText(text: string, rules: Pick<PublishRules, 'linkLength' | 'weights'>): number {
  const normalized = text.normalize('NFC');
  let length = 0;
  let rest = normalized;
  if (rules.linkLength !== undefined) {
    const links = normalized.match(URL_PATTERN) ?? [];
    length += links.length * rules.linkLength;
    rest = normalized.replace(URL_PATTERN, '');
  }
  for (const ch of rest) length += weightOf(ch.codePointAt(0)!, rules.weights);
  return length;
}

function weightOf(codePoint: number, weights: CharWeights | undefined): number {
  if (!weights) return 1;
  const range = weights.ranges.find(([first, last]) => codePoint >= first && codePoint <= last);
  return range ? range[2] : weights.defaultWeight;
}

/** `#Tag` from a tag: the leading # dropped, words joined in CamelCase, anything but letters, digits and _ removed. */
export function renderHashtag(tag: string): string {
  const words = tag.replace(/^#+/, '').split(/[^\p{L}\p{N}_]+/u).filter(Boolean);
  const joined = words.length > 1 ? words.map((w) => w[0].toUpperCase() + w.slice(1)).join('') : (words[0] ?? '');
  return joined ? `#${joined}` : '';
}

/** The tags as hashtags, without those the text already carries (case-blind) or repeats, at most `max`. */
export function hashtagsFor(text: string, tags: readonly string[], max = Infinity): string[] {
  const present = new Set((text.match(/#[\p{L}\p{N}_]+/gu) ?? []).map((t) => t.toLowerCase()));
  const out: string[] = [];
  for (const tag of tags.map(renderHashtag)) {
    if (!tag || present.has(tag.toLowerCase())) continue;
    present.add(tag.toLowerCase());
    out.push(tag);
  }
  return out.slice(0, max);
}

/**
 * Cuts text to at most `max` (as `measure` counts) at a word boundary and ends it with an ellipsis;
 * text that fits comes back unchanged. A first word longer than the limit is cut mid-word.
 */
export function truncateAtWord(text: string, max: number, measure: (s: string) => number = (s) => [...s].length): string {
  const trimmed = text.trim();
  if (measure(trimmed) <= max) return trimmed;
  const room = max - measure(ELLIPSIS);
  let kept = '';
  for (const token of trimmed.match(/\S+\s*/g) ?? []) {
    if (measure((kept + token).trimEnd()) > room) break;
    kept += token;
  }
  kept = kept.trimEnd().replace(/[\s,;:.!?-]+$/u, '');
  if (!kept) kept = hardCut(trimmed, room, measure);
  return kept + ELLIPSIS;
}

function hardCut(text: string, room: number, measure: (s: string) => number): string {
  let out = '';
  for (const ch of text) {
    if (measure(out + ch) > room) break;
    out += ch;
  }
  return out;
}

/**
 * Splits text into thread parts that each fit `max`, on word boundaries (a word longer than a part is
 * cut), numbered ` 1/3` when asked. The numbering's room is reserved from the part count's digits,
 * recomputed until it no longer changes.
 */
export function splitIntoThread(text: string, max: number, opts: { numbering: boolean; measure?: (s: string) => number }): string[] {
  const measure = opts.measure ?? ((s: string) => [...s].length);
  // a word longer than a part is cut with room left for numbering up to 999/999
  const tokens = (text.trim().match(/\S+\s*/g) ?? []).flatMap((t) => splitLongToken(t, max - 8, measure));
  let digits = 1;
  for (;;) {
    const reserve = opts.numbering ? 2 * digits + 2 : 0;
    const parts = pack(tokens, max - reserve, measure);
    if (!opts.numbering) return parts;
    if (String(parts.length).length <= digits) return parts.map((p, i) => `${p} ${i + 1}/${parts.length}`);
    digits = String(parts.length).length;
  }
}

function pack(tokens: string[], room: number, measure: (s: string) => number): string[] {
  const parts: string[] = [];
  let current = '';
  for (const token of tokens) {
    if (current && measure((current + token).trimEnd()) > room) {
      parts.push(current.trimEnd());
      current = '';
    }
    current += token;
  }
  if (current.trim()) parts.push(current.trimEnd());
  return parts;
}

function splitLongToken(token: string, room: number, measure: (s: string) => number): string[] {
  if (measure(token.trimEnd()) <= room) return [token];
  const out: string[] = [];
  let rest = token.trimEnd();
  while (measure(rest) > room) {
    const head = hardCut(rest, room, measure);
    out.push(`${head} `);
    rest = rest.slice(head.length);
  }
  out.push(rest + token.slice(token.trimEnd().length));
  return out;
}

/**
 * Formats content to a publisher's rules: checks the content type and media, derives a required
 * title, appends links and hashtags, and fits the body (one part, a thread, or a PublishRejection
 * saying by how much it is too long).
 */
export function formatForPublishing(publisher: Pick<PublisherDefinition, 'contentTypes' | 'rules'>, content: PublishContent): FormattedContent {
  const { rules } = publisher;
  if (!publisher.contentTypes.includes(content.contentType)) {
    throw new PublishRejection('unsupported_content_type', `takes ${publisher.contentTypes.join(', ')}, not ${content.contentType}`);
  }
  checkMedia(rules, content.media);
  const measure = (s: string) => measureText(s, rules);
  const cardLink = content.contentType === 'article' && rules.articleLink === 'card' ? (content.links[0] ?? null) : null;
  let text = content.text.trim();
  if (rules.links === 'append') {
    const extra = content.links.filter((l) => l !== cardLink && !text.includes(l));
    if (extra.length) text = `${text}\n\n${extra.join('\n')}`;
  }
  if (rules.hashtags === 'append') {
    const tags = hashtagsFor(text, content.tags, rules.maxHashtags);
    if (tags.length) text = `${text}\n\n${tags.join(' ')}`;
  }
  const length = measure(text);
  let parts = [text];
  if (length > rules.maxLength) {
    if (!rules.thread) throw new PublishRejection('content_too_long', `is ${length} characters as the platform counts them, at most ${rules.maxLength}, and the platform has no threads`);
    parts = splitIntoThread(text, rules.maxLength, { numbering: rules.thread.numbering, measure });
    if (parts.length > rules.thread.maxParts) {
      throw new PublishRejection('content_too_long', `needs a thread of ${parts.length} posts, at most ${rules.thread.maxParts}`);
    }
  }
  return {
    contentType: content.contentType, text, parts, title: titleFor(rules, content), articleUrl: cardLink,
    media: content.media, tags: content.tags, links: content.links,
  };
}

function checkMedia(rules: PublishRules, media: readonly PublishMedia[]): void {
  if (media.length > rules.media.max) throw new PublishRejection('too_many_media', `takes at most ${rules.media.max} media items, got ${media.length}`);
  for (const [i, m] of media.entries()) {
    const how = rules.media.accepts[m.kind];
    if (!how) throw new PublishRejection('media_not_accepted', `does not take ${m.kind} media (media[${i}])`);
    if (!m[how]) throw new PublishRejection('media_not_accepted', `takes ${m.kind} media by ${how === 'url' ? 'URL' : 'an id it already holds'}: media[${i}] has no ${how}`);
  }
  if (rules.media.requires && !media.some((m) => m.kind === rules.media.requires)) {
    throw new PublishRejection('media_required', `needs a ${rules.media.requires} media item`);
  }
}

function titleFor(rules: PublishRules, content: PublishContent): string | null {
  if (!rules.title) return content.title ?? null;
  const given = content.title?.trim();
  if (given) {
    if ([...given].length > rules.title.maxLength) throw new PublishRejection('title_too_long', `title is ${[...given].length} characters, at most ${rules.title.maxLength}`);
    return given;
  }
  return rules.title.required ? truncateAtWord(content.text.trim().split('\n')[0], rules.title.maxLength) : null;
}

/** A publish request's content, as actions and the publishing API accept it. */
export const publishContentSchema = z.object({
  contentType: z.enum(CONTENT_TYPES).default('post'),
  text: z.string().min(1).max(100_000),
  title: z.string().min(1).max(1000).optional(),
  media: z.array(z.object({
    kind: z.enum(MEDIA_KINDS), url: z.url().optional(), id: z.string().min(1).max(500).optional(),
    mimeType: z.string().max(100).optional(), altText: z.string().max(1000).optional(),
  })).max(20).default([]),
  tags: z.array(z.string().min(1).max(100)).max(30).default([]),
  links: z.array(z.url()).max(10).default([]),
});

const publishedPartSchema = z.object({ externalId: z.string(), url: z.string() });
const publishResultSchema = publishedPartSchema.extend({ parts: z.array(publishedPartSchema).optional() });

/**
 * A plugin action that formats and publishes through the plugin's publisher, for workflows'
 * plugin_action steps. Actions get no media reader: media the platform must upload from bytes go
 * through the publishing service instead.
 */
export function publishAction(publisher: PublisherDefinition, description: string) {
  const options: z.ZodType = publisher.options ?? z.object({});
  return defineAction({
    description,
    kind: 'write',
    input: publishContentSchema.extend({ options: options.optional() }),
    output: publishResultSchema,
    run: async (ctx, { options: given, ...content }) => {
      const media: MediaReader = {
        read: () => Promise.reject(new PublishRejection('media_unavailable', 'media uploads need the publishing service (POST /api/v1/publish)')),
      };
      return publisher.publish({ ...ctx, media, resume: [], partPublished: async () => undefined }, formatForPublishing(publisher, content), options.parse(given ?? {}));
    },
  });
}
