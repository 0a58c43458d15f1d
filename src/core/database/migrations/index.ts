import { Core1764000000000 } from './1764000000000-core.migration';
import { UserPause1764000000001 } from './1764000000001-user-pause.migration';
import { TenantBranding1764000000002 } from './1764000000002-tenant-branding.migration';

/** Every migration, in order. Add each new file here: no globs (they break under some loaders). */
export const migrations = [Core1764000000000, UserPause1764000000001, TenantBranding1764000000002];
