import { Global, Module } from '@nestjs/common';
import { PasswordHasher } from './password-hasher.service';
import { RequestContext } from './request-context';
import { TenantDb } from './tenant-db.service';
import { TenantDirectory } from './tenant-directory.service';

@Global()
@Module({
  providers: [RequestContext, TenantDb, TenantDirectory, PasswordHasher],
  exports: [RequestContext, TenantDb, TenantDirectory, PasswordHasher],
})
export class TenancyModule {}
