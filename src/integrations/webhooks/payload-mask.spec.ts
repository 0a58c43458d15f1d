import { maskSecrets } from './payload-mask';

describe('maskSecrets', () => {
  it('masks secret-looking values at any depth, and nothing else', () => {
    const payload = {
      id: 'evt_1', api_key: 'sk_live_123', nested: { accessToken: 'tok', client_secret: 'cs', plain: 'visible', list: [{ password: 'p' }, 'x'] },
      signature: 'abc', tokenCount: 3, secretHint: null, emptySecret: '',
    };
    expect(maskSecrets(payload)).toEqual({
      id: 'evt_1', api_key: '••••', nested: { accessToken: '••••', client_secret: '••••', plain: 'visible', list: [{ password: '••••' }, 'x'] },
      signature: '••••', tokenCount: '••••', secretHint: null, emptySecret: '',
    });
    expect(payload.api_key).toBe('sk_live_123');
    expect(maskSecrets('text')).toBe('text');
  });
});
