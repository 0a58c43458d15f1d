import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../../core/config';
import { ValidationFailedException } from '../../core/http';
import { PluginRegistry } from '../../core/plugin-host';
import type { OAuth2Auth, PluginDefinition } from '../../core/plugin-sdk';
import { RequestContext, TenantDirectory, type Principal } from '../../core/tenancy';
import { VaultService } from '../../core/vault';
import { ConnectionsService, type CheckOutcome, type ConnectionView } from './connections.service';
import { isAuthorizationCode } from './credentials';
import { OAuthAppsService, clientEnvNames } from './oauth-apps.service';
import { OAuthStateStore } from './oauth-state.store';
import { requestToken, TokenEndpointError, type TokenSet } from './oauth-token.client';
import { pkceChallenge, randomToken, rebaseOAuthUrl } from './oauth-urls';

export interface OAuthStart {
  authorizeUrl: string;
  state: string;
  expiresAt: Date;
}

/**
 * The authorization-code flow: start stores a single-use state (and the PKCE verifier, in the vault)
 * and builds the platform's authorize URL; the callback claims the state, exchanges the code and
 * creates the connection in the tenant that started it.
 */
@Injectable()
export class OAuthFlowService {
  constructor(
    @Inject(PLUGBOARD_CONFIG) private readonly config: PlugboardConfig,
    private readonly plugins: PluginRegistry,
    private readonly apps: OAuthAppsService,
    private readonly states: OAuthStateStore,
    private readonly vault: VaultService,
    private readonly context: RequestContext,
    private readonly tenants: TenantDirectory,
    private readonly connections: ConnectionsService,
  ) {}

  async start(pluginName: string, name: string, redirectUri = `${this.config.PUBLIC_URL.replace(/\/+$/, '')}/oauth/callback`): Promise<OAuthStart> {
    const { plugin, method } = this.authorizationCodeMethod(pluginName);
    // no trip to the platform for a connection the plan would refuse at the callback
    await this.connections.assertPlanAllows(plugin.name);
    const app = await this.apps.resolve(plugin.name);
    if (!app) {
      const env = clientEnvNames(plugin.name);
      throw new ValidationFailedException([{ field: 'plugin', message: `no OAuth app for ${plugin.name}: register one with PUT /api/v1/connections/oauth/${plugin.name}/app, or set ${env.id} and ${env.secret}` }]);
    }
    const state = randomToken();
    const verifier = method.pkce ? randomToken() : null;
    const expiresAt = await this.states.save(state, {
      plugin: plugin.name, connectionName: name, redirectUri, startedBy: this.context.principal?.actorId ?? 'unknown',
      verifierVaultEntryId: verifier ? await this.vault.put({ codeVerifier: verifier }) : null,
    });
    const url = new URL(rebaseOAuthUrl(method.authorizeUrl, plugin));
    const params: Record<string, string> = { response_type: 'code', client_id: app.clientId, redirect_uri: redirectUri, state };
    if (method.scopes.length) params.scope = method.scopes.join(' ');
    Object.assign(params, method.authorizeParams);
    if (verifier) Object.assign(params, { code_challenge: pkceChallenge(verifier), code_challenge_method: 'S256' });
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return { authorizeUrl: url.toString(), state, expiresAt };
  }

  /** Public: the state names the tenant. An unknown, expired or reused state is a 400 and stores nothing. */
  async callback(q: { code?: string; state?: string; error?: string; error_description?: string }): Promise<ConnectionView & { check: CheckOutcome }> {
    if (typeof q.state !== 'string' || !q.state) throw new BadRequestException('state is missing');
    const claimed = await this.states.claim(q.state);
    if (!claimed) throw new BadRequestException('unknown, expired or already used state: start the authorization again');
    const tenant = await this.tenants.get(claimed.tenantId);
    if (!tenant || tenant.status !== 'active') throw new BadRequestException('the tenant that started this authorization is not active');
    const principal: Principal = {
      kind: 'system', tenantId: tenant.id, actorId: `oauth-callback:${claimed.startedBy}`, role: 'owner', scopes: ['read', 'write', 'admin'],
      plan: tenant.plan, rateLimit: tenant.rateLimit,
    };
    return this.context.runAsTenant(principal, async () => {
      const verifier = claimed.verifierVaultEntryId ? (await this.vault.get(claimed.verifierVaultEntryId)).codeVerifier : undefined;
      if (claimed.verifierVaultEntryId) await this.vault.delete(claimed.verifierVaultEntryId);
      if (q.error) throw new BadRequestException(`the platform returned ${q.error}${q.error_description ? `: ${q.error_description}` : ''}`);
      if (typeof q.code !== 'string' || !q.code) throw new BadRequestException('code is missing');
      const { plugin, method } = this.authorizationCodeMethod(claimed.plugin);
      const app = await this.apps.resolve(plugin.name);
      if (!app) throw new BadRequestException(`no OAuth app for ${plugin.name} any more`);
      let tokens: TokenSet;
      try {
        tokens = await requestToken(rebaseOAuthUrl(method.tokenUrl, plugin), {
          grant_type: 'authorization_code', code: q.code, redirect_uri: claimed.redirectUri, ...(verifier ? { code_verifier: verifier } : {}),
        }, app, method.clientAuth);
      } catch (e) {
        if (e instanceof TokenEndpointError && e.permanent) throw new BadRequestException(`the platform refused the code: ${e.message}`);
        throw e;
      }
      return this.connections.createFromOAuth({ plugin, method, name: claimed.connectionName, tokens });
    }, `oauth-callback-${claimed.id}`);
  }

  private authorizationCodeMethod(pluginName: string): { plugin: PluginDefinition; method: OAuth2Auth } {
    const plugin = this.plugins.get(pluginName);
    if (!plugin) throw new ValidationFailedException([{ field: 'plugin', message: `plugin ${pluginName} is not loaded` }]);
    const method = plugin.auth.find(isAuthorizationCode);
    if (!method) throw new ValidationFailedException([{ field: 'plugin', message: `${pluginName} has no OAuth authorization-code method` }]);
    return { plugin, method };
  }
}
