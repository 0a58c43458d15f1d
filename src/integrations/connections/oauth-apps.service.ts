import { Injectable } from '@nestjs/common';
import { TenantDb } from '../../core/tenancy';
import { VaultService } from '../../core/vault';
import { OAuthApp } from './connection.entity';
import type { OAuthClientCredentials } from './oauth-token.client';

/** PLUGIN_<NAME>_CLIENT_ID / PLUGIN_<NAME>_CLIENT_SECRET: the platform-wide OAuth app of a plugin. */
export function clientEnvNames(plugin: string): { id: string; secret: string } {
  const stem = `PLUGIN_${plugin.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
  return { id: `${stem}_CLIENT_ID`, secret: `${stem}_CLIENT_SECRET` };
}

/**
 * Which OAuth app (client id and secret) a tenant's connections of a plugin use: the tenant's own,
 * registered through the API, or else the platform-wide one from the environment. Platform-wide apps
 * are not rows: the vault binds every secret to a tenant, so their secrets stay in the deployment's env.
 */
@Injectable()
export class OAuthAppsService {
  constructor(private readonly db: TenantDb, private readonly vault: VaultService) {}

  async resolve(plugin: string, env = process.env): Promise<OAuthClientCredentials | null> {
    const own = await this.db.repo(OAuthApp).findOne({ plugin });
    if (own) return { clientId: own.clientId, clientSecret: (await this.vault.get(own.secretVaultEntryId)).clientSecret };
    const names = clientEnvNames(plugin);
    const clientId = env[names.id];
    const clientSecret = env[names.secret];
    return clientId && clientSecret ? { clientId, clientSecret } : null;
  }

  /** Registers (or replaces) the tenant's own app for a plugin. */
  async put(plugin: string, app: OAuthClientCredentials): Promise<{ plugin: string; clientId: string }> {
    const repo = this.db.repo(OAuthApp);
    const existing = await repo.findOne({ plugin });
    if (existing) {
      await this.vault.replace(existing.secretVaultEntryId, { clientSecret: app.clientSecret });
      await repo.update({ id: existing.id }, { clientId: app.clientId });
    } else {
      const secretVaultEntryId = await this.vault.put({ clientSecret: app.clientSecret });
      await repo.insert({ plugin, clientId: app.clientId, secretVaultEntryId });
    }
    return { plugin, clientId: app.clientId };
  }
}
