import { Global, Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../config';
import { ApiKeysService } from './api-keys.service';
import { AuthService } from './auth.service';
import { ExternalJwtStrategy } from './external-jwt.strategy';
import { JwtStrategy } from './jwt.strategy';
import { PrincipalResolver } from './principal-resolver.service';
import { TokenService } from './token.service';
import { UsersService } from './users.service';

/** Authentication services, shared by the API (guards, controllers) and the CLI (users, API keys). */
@Global()
@Module({
  imports: [PassportModule],
  providers: [
    TokenService, PrincipalResolver, JwtStrategy, AuthService, ApiKeysService, UsersService,
    {
      provide: ExternalJwtStrategy,
      inject: [PLUGBOARD_CONFIG, PrincipalResolver],
      useFactory: (c: PlugboardConfig, r: PrincipalResolver) => (c.AUTH_JWKS_URL ? new ExternalJwtStrategy(c, r) : null),
    },
  ],
  exports: [TokenService, PrincipalResolver, AuthService, ApiKeysService, UsersService, JwtStrategy, ExternalJwtStrategy],
})
export class AuthModule {}
