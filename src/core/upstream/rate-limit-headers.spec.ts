import { platformHold, resetDelayMs, retryAfterMs } from './rate-limit-headers';

const NOW = Date.parse('2026-03-01T12:00:00Z');

describe('Retry-After', () => {
  it.each([
    ['2', 2000],
    ['0', 0],
    ['1.5', 1500],
    ['Sun, 01 Mar 2026 12:00:30 GMT', 30_000],
    ['Sun, 01 Mar 2026 11:00:00 GMT', 0],
    ['', null],
    ['soon', null],
    [undefined, null],
  ])('%j asks for %j ms', (header, ms) => {
    expect(retryAfterMs(header, NOW)).toBe(ms);
  });
});

describe('rate-limit reset headers', () => {
  it.each([
    [String(NOW + 4000), 4000], // epoch ms
    [String(NOW / 1000 + 7), 7000], // epoch s
    ['12', 12_000], // seconds from now
    ['Sun, 01 Mar 2026 12:01:00 GMT', 60_000],
    ['nope', null],
  ])('%j resets in %j ms', (header, ms) => {
    expect(resetDelayMs(header, NOW)).toBe(ms);
  });
});

describe('holding on the platform counter', () => {
  const names = { remaining: 'X-Remaining', reset: 'X-Reset' };

  it('holds until the reset when remaining reaches 0', () => {
    expect(platformHold(names, { 'x-remaining': '0', 'x-reset': '3' }, NOW)).toEqual({ ms: 3000 });
  });

  it('holds until the window frees when the platform sends no reset', () => {
    expect(platformHold({ remaining: 'X-Remaining' }, { 'x-remaining': '0' }, NOW)).toBe('window');
    expect(platformHold(names, { 'x-remaining': '0', 'x-reset': 'garbage' }, NOW)).toBe('window');
  });

  it('does not hold while calls remain, or without the header', () => {
    expect(platformHold(names, { 'x-remaining': '1', 'x-reset': '3' }, NOW)).toBeNull();
    expect(platformHold(names, {}, NOW)).toBeNull();
    expect(platformHold(undefined, { 'x-remaining': '0' }, NOW)).toBeNull();
  });
});
