import type { AuthMethod } from '../../core/plugin-sdk';
import { ValidationFailedException } from '../../core/http';
import { maskedCredentials, maskSecret, validateCredentials } from './credentials';

const apiKey: AuthMethod = {
  kind: 'api_key',
  fields: { secretKey: { label: 'Secret key', secret: true, required: true }, accountId: { label: 'Account', secret: false } },
  inject: [{ in: 'header', name: 'Authorization', value: 'Bearer {secretKey}' }],
};
const clientCredentials: AuthMethod = { kind: 'oauth2', authorizeUrl: 'https://a.example/a', tokenUrl: 'https://a.example/t', scopes: [], pkce: false, grant: 'client_credentials' };

function fieldsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ValidationFailedException) return e.errors.map((x) => x.field);
    throw e;
  }
  return [];
}

describe('validateCredentials', () => {
  it('names missing, unknown and non-string fields', () => {
    expect(fieldsOf(() => validateCredentials(apiKey, {}))).toEqual(['credentials.secretKey']);
    expect(fieldsOf(() => validateCredentials(apiKey, { secretKey: 'x', other: 'y' }))).toEqual(['credentials.other']);
    expect(fieldsOf(() => validateCredentials(apiKey, { secretKey: 5 }))).toEqual(['credentials.secretKey']);
    expect(fieldsOf(() => validateCredentials(apiKey, { secretKey: 'x', accessToken: 'y' }))).toEqual(['credentials.accessToken']);
  });

  it('merges a rotation over the stored values', () => {
    expect(validateCredentials(apiKey, { secretKey: 'new' }, { secretKey: 'old', accountId: 'acct' })).toEqual({ secretKey: 'new', accountId: 'acct' });
  });

  it('asks a client-credentials method for the client id and secret', () => {
    expect(fieldsOf(() => validateCredentials(clientCredentials, {}))).toEqual(['credentials.clientId', 'credentials.clientSecret']);
  });
});

describe('masking', () => {
  it('shows at most the last four characters of long secrets, nothing of short ones, and non-secret fields in full', () => {
    expect(maskSecret('sk_test_0123456789abcdef')).toBe('••••cdef');
    expect(maskSecret('short')).toBe('••••');
    expect(maskedCredentials(apiKey, { secretKey: 'sk_test_0123456789abcdef', accountId: 'acct_1', accessToken: 'tok' })).toEqual({ secretKey: '••••cdef', accountId: 'acct_1' });
  });
});
