import { SetMetadata } from '@nestjs/common';
import type { UserRole } from '../tenancy';

export const IS_PUBLIC = 'plugboard:public';
export const ROLES = 'plugboard:roles';

/** The route needs no credentials (sign-up, log-in, health, inbound webhooks). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Only these roles may call the route; API keys need the `admin` scope to pass a Roles check. */
export const Roles = (...roles: UserRole[]) => SetMetadata(ROLES, roles);
