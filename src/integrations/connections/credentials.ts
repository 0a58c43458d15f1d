import type { AuthMethod, CredentialField, OAuth2Auth, PluginDefinition } from '../../core/plugin-sdk';
import { ValidationFailedException, type FieldError } from '../../core/http';

/** Vault keys the core writes for OAuth connections; never accepted from, nor shown to, a caller. */
export const TOKEN_KEYS = ['accessToken', 'refreshToken'] as const;

/** The fields a caller supplies for a method: its own, plus the OAuth app's for the client-credentials grant. */
export function credentialFields(method: AuthMethod): Record<string, CredentialField> {
  const own = method.fields ?? {};
  if (method.kind === 'oauth2' && method.grant === 'client_credentials') {
    return { clientId: { label: 'Client id', secret: false, required: true }, clientSecret: { label: 'Client secret', secret: true, required: true }, ...own };
  }
  return own;
}

export function isAuthorizationCode(method: AuthMethod): method is OAuth2Auth {
  return method.kind === 'oauth2' && (method.grant ?? 'authorization_code') === 'authorization_code';
}

/**
 * The method a new connection uses: the one named, or the plugin's first that takes credentials
 * directly (an authorization-code OAuth connection is made through the start/callback flow instead).
 */
export function pickAuthMethod(plugin: PluginDefinition, kind?: string): AuthMethod {
  const direct = plugin.auth.filter((m) => !isAuthorizationCode(m));
  const method = kind ? direct.find((m) => m.kind === kind) : direct[0];
  if (method) return method;
  const hint = plugin.auth.some(isAuthorizationCode) ? `; connect it through GET /api/v1/connections/oauth/${plugin.name}/start` : '';
  throw new ValidationFailedException([{ field: 'auth', message: `${plugin.name} takes no ${kind ?? 'direct'} credentials${hint}` }]);
}

export function oauthMethod(plugin: PluginDefinition): OAuth2Auth | undefined {
  return plugin.auth.find((m): m is OAuth2Auth => m.kind === 'oauth2');
}

/**
 * Checks credentials against the method's fields: required ones present, unknown ones refused, all
 * strings. With `existing`, a patch: given fields replace the stored ones, others are kept.
 */
export function validateCredentials(method: AuthMethod, given: Record<string, unknown>, existing?: Record<string, string>): Record<string, string> {
  const fields = credentialFields(method);
  const errors: FieldError[] = [];
  for (const [k, v] of Object.entries(given)) {
    if (!(k in fields)) errors.push({ field: `credentials.${k}`, message: `credentials.${k} is not a field of ${method.kind} auth (expected ${Object.keys(fields).join(', ') || 'none'})` });
    else if (typeof v !== 'string' || v.length === 0 || v.length > 4096) errors.push({ field: `credentials.${k}`, message: `credentials.${k} must be a non-empty string of at most 4096 characters` });
  }
  const merged: Record<string, string> = { ...(existing ?? {}), ...(given as Record<string, string>) };
  for (const [k, f] of Object.entries(fields)) {
    if (f.required && !merged[k] && !errors.some((e) => e.field === `credentials.${k}`)) errors.push({ field: `credentials.${k}`, message: `credentials.${k} (${f.label}) is required` });
  }
  if (errors.length) throw new ValidationFailedException(errors);
  return merged;
}

/** Shows a secret's last four characters at most, and only when it is long enough for that to say nothing. */
export function maskSecret(value: string): string {
  return value.length >= 16 ? `••••${value.slice(-4)}` : '••••';
}

/** What a caller sees of a connection's credentials: non-secret fields in full, secret ones masked, tokens never. */
export function maskedCredentials(method: AuthMethod | undefined, stored: Record<string, string>): Record<string, string> {
  const fields = method ? credentialFields(method) : {};
  return Object.fromEntries(
    Object.entries(fields)
      .filter(([k]) => stored[k] !== undefined)
      .map(([k, f]) => [k, f.secret ? maskSecret(stored[k]) : stored[k]]),
  );
}
