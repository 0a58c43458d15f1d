import { CsrfTokens } from './csrf';

describe('CsrfTokens', () => {
  const tokens = new CsrfTokens('a-secret-of-at-least-thirty-two-characters');

  it('accepts the token of the same binding and refuses another binding\'s', () => {
    const t = tokens.issue('session:abc');
    expect(tokens.verify('session:abc', t)).toBe(true);
    expect(tokens.verify('session:abd', t)).toBe(false);
    expect(tokens.verify('login:abc', t)).toBe(false);
  });

  it('refuses missing, empty, altered and oversized tokens', () => {
    const t = tokens.issue('session:abc');
    for (const bad of [undefined, null, '', 42, ['x'], `${t.slice(0, -1)}${t.endsWith('A') ? 'B' : 'A'}`, t.slice(1), 'x'.repeat(200)]) {
      expect(tokens.verify('session:abc', bad)).toBe(false);
    }
  });

  it('depends on the secret', () => {
    expect(new CsrfTokens('another-secret-of-at-least-thirty-two-chars').issue('session:abc')).not.toBe(tokens.issue('session:abc'));
  });
});
