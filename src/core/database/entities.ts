import { ApiKey } from '../auth/api-key.entity';
import { RefreshToken } from '../auth/refresh-token.entity';
import { AuditEntry } from '../audit/audit-entry.entity';
import { Operator } from '../tenancy/operator.entity';
import { Tenant } from '../tenancy/tenant.entity';
import { User } from '../tenancy/user.entity';
import { VaultEntry } from '../vault/vault-entry.entity';

/** Every entity of the core; the process roots add the domain areas' (src/app/schema.ts). */
export const coreEntities = [Tenant, User, Operator, RefreshToken, ApiKey, AuditEntry, VaultEntry];
