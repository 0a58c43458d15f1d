import { ApiKey } from '../auth/api-key.entity';
import { RefreshToken } from '../auth/refresh-token.entity';
import { AuditEntry } from '../audit/audit-entry.entity';
import { Operator } from '../tenancy/operator.entity';
import { Tenant } from '../tenancy/tenant.entity';
import { User } from '../tenancy/user.entity';
import { VaultEntry } from '../vault/vault-entry.entity';

/** Every entity of the core. Domain areas add theirs through DatabaseModule.forRoot({ entities }). */
export const coreEntities = [Tenant, User, Operator, RefreshToken, ApiKey, AuditEntry, VaultEntry];
