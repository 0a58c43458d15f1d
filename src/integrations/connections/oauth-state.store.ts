import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TenantDb } from '../../core/tenancy';
import { OAuthState } from './connection.entity';
import { sha256 } from './oauth-urls';

export const STATE_TTL_MS = 10 * 60_000;

export type ClaimedState = Pick<OAuthState, 'id' | 'tenantId' | 'plugin' | 'connectionName' | 'verifierVaultEntryId' | 'redirectUri' | 'startedBy'>;

/** Authorizations in flight. Only the state's hash is stored; a state is claimed once, before it expires. */
@Injectable()
export class OAuthStateStore {
  constructor(private readonly db: TenantDb, private readonly dataSource: DataSource) {}

  async save(state: string, row: Omit<ClaimedState, 'id' | 'tenantId'>): Promise<Date> {
    const expiresAt = new Date(Date.now() + STATE_TTL_MS);
    await this.db.repo(OAuthState).insert({ ...row, stateHash: sha256(state), expiresAt, usedAt: null });
    return expiresAt;
  }

  /**
   * Marks the state used and returns it, in one statement so two callbacks racing with the same state
   * cannot both win; null when it is unknown, expired or used.
   * Deliberately cross-tenant: the callback is a public route the platform's redirect reaches without
   * our credentials, and the state (a 256-bit secret only its tenant's user saw) is what names the tenant.
   */
  async claim(state: string): Promise<ClaimedState | null> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(OAuthState)
      .set({ usedAt: () => 'now()' })
      .where('state_hash = :hash AND used_at IS NULL AND expires_at > now()', { hash: sha256(state) })
      .returning('id, tenant_id, plugin, connection_name, verifier_vault_entry_id, redirect_uri, started_by')
      .execute();
    const raw = (result.raw as Record<string, string | null>[])[0];
    if (!raw) return null;
    return {
      id: raw.id!, tenantId: raw.tenant_id!, plugin: raw.plugin!, connectionName: raw.connection_name!,
      verifierVaultEntryId: raw.verifier_vault_entry_id, redirectUri: raw.redirect_uri!, startedBy: raw.started_by!,
    };
  }
}
