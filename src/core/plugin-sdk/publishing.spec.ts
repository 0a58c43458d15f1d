import {
  formatForPublishing, hashtagsFor, measureText, PublishRejection, publishAction, renderHashtag, splitIntoThread, truncateAtWord,
  type PublishContent, type PublisherDefinition, type PublishRules,
} from './publishing';
import { z } from 'zod';

const shortener: PublishRules = {
  maxLength: 280, linkLength: 23, hashtags: 'append', links: 'append',
  weights: { ranges: [[0, 0x10ff, 1], [0x2000, 0x200d, 1]], defaultWeight: 2 },
  thread: { maxParts: 5, numbering: true },
  media: { accepts: { image: 'id' }, max: 4 },
};
const plain: PublishRules = { maxLength: 100, hashtags: 'append', links: 'append', articleLink: 'card', media: { accepts: { image: 'url' }, max: 1 } };
const content = (over: Partial<PublishContent>): PublishContent => ({ contentType: 'post', text: 'hello', media: [], tags: [], links: [], ...over });
const publisher = (rules: PublishRules, contentTypes: PublisherDefinition['contentTypes'] = ['post', 'article']) => ({ contentTypes, rules });

describe('measureText', () => {
  it('counts every link at the shortener length, whatever its own length', () => {
    const long = `https://example.com/${'a'.repeat(200)}`;
    expect(measureText(`read ${long} now`, shortener)).toBe('read  now'.length + 23);
    expect(measureText(`read ${long} now`, plain)).toBe(`read ${long} now`.length);
  });

  it('weighs characters by range, and counts code points rather than UTF-16 units', () => {
    expect(measureText('abc', shortener)).toBe(3);
    expect(measureText('日本', shortener)).toBe(4);
    expect(measureText('👍', shortener)).toBe(2);
    expect(measureText('👍', plain)).toBe(1);
    // a decomposed é is normalized to one code point before counting
    expect(measureText('e\u0301', plain)).toBe(1);
  });
});

describe('hashtags', () => {
  it('renders tags as CamelCase hashtags without punctuation', () => {
    expect(renderHashtag('machine learning')).toBe('#MachineLearning');
    expect(renderHashtag('#rust')).toBe('#rust');
    expect(renderHashtag('c++ & go')).toBe('#CGo');
    expect(renderHashtag('!!!')).toBe('');
    expect(renderHashtag('café')).toBe('#café');
  });

  it('leaves out tags the text already carries, repeats and those past the limit', () => {
    expect(hashtagsFor('we love #Rust', ['rust', 'go', 'Go', 'zig', 'odin'], 2)).toEqual(['#go', '#zig']);
  });
});

describe('truncateAtWord', () => {
  it('keeps text that fits, and otherwise cuts at a word boundary with an ellipsis', () => {
    expect(truncateAtWord('short enough', 20)).toBe('short enough');
    expect(truncateAtWord('The quick brown fox jumps over the lazy dog', 20)).toBe('The quick brown fox…');
    expect([...truncateAtWord('The quick brown fox jumps over the lazy dog', 20)].length).toBeLessThanOrEqual(20);
    expect(truncateAtWord('Done. Next sentence here', 12)).toBe('Done. Next…');
    expect(truncateAtWord('Done, and then more', 9)).toBe('Done…');
  });

  it('cuts a single overlong word mid-word', () => {
    expect(truncateAtWord('Supercalifragilistic', 10)).toBe('Supercali…');
  });
});

describe('splitIntoThread', () => {
  const words = Array.from({ length: 120 }, (_, i) => `word${i}`).join(' ');

  it('splits on word boundaries into numbered parts that each fit', () => {
    const parts = splitIntoThread(words, 100, { numbering: true });
    expect(parts.length).toBeGreaterThan(1);
    for (const [i, p] of parts.entries()) {
      expect([...p].length).toBeLessThanOrEqual(100);
      expect(p.endsWith(` ${i + 1}/${parts.length}`)).toBe(true);
    }
    const rejoined = parts.map((p) => p.replace(/ \d+\/\d+$/, '')).join(' ');
    expect(rejoined).toBe(words);
  });

  it('reserves room for two-digit numbering when the thread reaches ten parts', () => {
    const parts = splitIntoThread(words, 40, { numbering: true });
    expect(parts.length).toBeGreaterThanOrEqual(10);
    for (const p of parts) expect([...p].length).toBeLessThanOrEqual(40);
  });

  it('cuts a word longer than a part, and counts with the given measure', () => {
    const parts = splitIntoThread(`${'x'.repeat(50)} tail`, 20, { numbering: false });
    expect(parts.every((p) => p.length <= 20)).toBe(true);
    expect(parts.join('').replace(/\s/g, '')).toBe(`${'x'.repeat(50)}tail`);
    const link = `https://example.com/${'p'.repeat(100)}`;
    const measured = splitIntoThread(`${link} ${'a'.repeat(20)}`, 50, { numbering: false, measure: (s) => measureText(s, shortener) });
    expect(measured).toEqual([`${link} ${'a'.repeat(20)}`]);
  });
});

describe('formatForPublishing', () => {
  it('appends links not in the text and hashtags, and keeps an article card link out of the body', () => {
    const f = formatForPublishing(publisher(plain), content({ contentType: 'article', text: 'New post', links: ['https://a.example/1', 'https://b.example/2'], tags: ['release notes'] }));
    expect(f.text).toBe('New post\n\nhttps://b.example/2\n\n#ReleaseNotes');
    expect(f.articleUrl).toBe('https://a.example/1');
    expect(f.parts).toEqual([f.text]);
    const post = formatForPublishing(publisher(plain), content({ text: 'See https://a.example/1', links: ['https://a.example/1'] }));
    expect(post.text).toBe('See https://a.example/1');
    expect(post.articleUrl).toBeNull();
  });

  it('threads content past the limit where the platform threads, and refuses it where it does not', () => {
    const long = 'lorem ipsum '.repeat(40).trim();
    const threaded = formatForPublishing(publisher(shortener), content({ text: long }));
    expect(threaded.parts.length).toBe(2);
    expect(threaded.parts.every((p) => measureText(p, shortener) <= 280)).toBe(true);
    expect(() => formatForPublishing(publisher(plain), content({ text: long }))).toThrow(
      expect.objectContaining({ code: 'content_too_long', message: expect.stringContaining('at most 100') }),
    );
    expect(() => formatForPublishing(publisher(shortener), content({ text: 'lorem ipsum '.repeat(200) }))).toThrow(/thread of \d+ posts, at most 5/);
  });

  it('refuses content types, media kinds, media sources and counts the platform does not take', () => {
    const p = publisher(shortener);
    const reject = (c: Partial<PublishContent>) => {
      try {
        formatForPublishing(p, content(c));
      } catch (e) {
        expect(e).toBeInstanceOf(PublishRejection);
        return (e as PublishRejection).code;
      }
      return 'accepted';
    };
    expect(reject({ contentType: 'episode' })).toBe('unsupported_content_type');
    expect(reject({ media: [{ kind: 'audio', url: 'https://x.example/a.mp3' }] })).toBe('media_not_accepted');
    expect(reject({ media: [{ kind: 'image', url: 'https://x.example/a.png' }] })).toBe('media_not_accepted');
    expect(reject({ media: Array.from({ length: 5 }, (_, i) => ({ kind: 'image' as const, id: String(i) })) })).toBe('too_many_media');
    expect(reject({ media: [{ kind: 'image', id: '123' }] })).toBe('accepted');
    const needsVideo = publisher({ ...plain, media: { accepts: { video: 'url' }, max: 1, requires: 'video' } }, ['video']);
    expect(() => formatForPublishing(needsVideo, content({ contentType: 'video' }))).toThrow(expect.objectContaining({ code: 'media_required' }));
  });

  it('derives a required title from the first line, and refuses a given one that is too long', () => {
    const titled = publisher({ ...plain, title: { maxLength: 20, required: true } });
    expect(formatForPublishing(titled, content({ text: 'A first line that runs long\nbody' })).title).toBe('A first line that…');
    expect(formatForPublishing(titled, content({ text: 'body', title: 'Given' })).title).toBe('Given');
    expect(() => formatForPublishing(titled, content({ title: 'x'.repeat(21) }))).toThrow(expect.objectContaining({ code: 'title_too_long' }));
    expect(formatForPublishing(publisher(plain), content({})).title).toBeNull();
  });
});

describe('publishAction', () => {
  it('formats, validates the options and publishes; media uploads are refused without the publishing service', async () => {
    const seen: unknown[] = [];
    const action = publishAction({
      contentTypes: ['post'], rules: shortener, options: z.object({ visibility: z.enum(['public', 'private']).default('public') }),
      publish: async (ctx, c, o) => {
        seen.push({ parts: c.parts, o });
        await ctx.media.read({ kind: 'image', url: 'https://x.example/a.png' });
        return { externalId: '1', url: 'https://x.example/1' };
      },
    }, 'Publish');
    const ctx = { tenantId: 't', connectionId: 'c', settings: {}, http: {} as never, logger: { debug() {}, info() {}, warn() {} } };
    const input = action.input.parse({ text: 'hi', tags: ['a'] });
    await expect(action.run(ctx, input)).rejects.toMatchObject({ code: 'media_unavailable' });
    expect(seen).toEqual([{ parts: ['hi\n\n#a'], o: { visibility: 'public' } }]);
    expect(action.input.safeParse({ text: 'hi', options: { visibility: 'everyone' } }).success).toBe(false);
  });
});
