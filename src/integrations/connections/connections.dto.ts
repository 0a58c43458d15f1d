import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsObject, IsOptional, IsString, IsUrl, Length, Matches, MaxLength, Validate, ValidatorConstraint, type ValidatorConstraintInterface } from 'class-validator';
import { AUTH_KINDS, type AuthKind } from '../../core/plugin-sdk';

/** settings: a flat object of at most 50 string values. */
@ValidatorConstraint({ name: 'stringMap' })
class StringMap implements ValidatorConstraintInterface {
  validate(v: unknown): boolean {
    return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length <= 50
      && Object.entries(v).every(([k, x]) => /^[a-zA-Z][a-zA-Z0-9_]{0,63}$/.test(k) && typeof x === 'string' && x.length <= 2048);
  }
  defaultMessage(): string {
    return 'settings must be an object of at most 50 string values (keys camelCase or snake_case)';
  }
}

const NAME = /^[^\s].*$/;

export class CreateConnectionDto {
  @ApiProperty({ example: 'stripe', description: 'a loaded plugin, as GET /api/v1/plugins lists them' })
  @IsString()
  @Length(1, 60)
  plugin: string;

  @ApiProperty({ example: 'Stripe (live)', description: 'unique within the tenant' })
  @IsString()
  @Length(1, 100)
  @Matches(NAME, { message: 'name must not start with a space' })
  name: string;

  @ApiPropertyOptional({ enum: AUTH_KINDS, description: "which of the plugin's auth methods; default its first that takes credentials directly" })
  @IsOptional()
  @IsIn(AUTH_KINDS)
  auth?: AuthKind;

  @ApiProperty({ example: { secretKey: 'sk_test_…' }, description: "the auth method's fields (clientId and clientSecret for a client-credentials OAuth method)" })
  @IsObject()
  credentials: Record<string, string>;

  @ApiPropertyOptional({ example: { region: 'eu' } })
  @IsOptional()
  @Validate(StringMap)
  settings?: Record<string, string>;
}

export class UpdateConnectionDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 100)
  @Matches(NAME, { message: 'name must not start with a space' })
  name?: string;

  @ApiPropertyOptional({ description: 'replaces the settings' })
  @IsOptional()
  @Validate(StringMap)
  settings?: Record<string, string>;

  @ApiPropertyOptional({ description: 'fields given replace the stored ones (rotation); the connection is checked again' })
  @IsOptional()
  @IsObject()
  credentials?: Record<string, string>;
}

export class DeleteConnectionQuery {
  @ApiPropertyOptional({ description: 'also delete the records synced through this connection (default false: keep them)' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  purge?: boolean;
}

export class OAuthStartQuery {
  @ApiProperty({ description: 'the name the new connection gets' })
  @IsString()
  @Length(1, 100)
  @Matches(NAME, { message: 'name must not start with a space' })
  name: string;

  @ApiPropertyOptional({ description: 'where the platform sends the browser back; default PUBLIC_URL/oauth/callback. A page of yours there must pass code and state on to GET /oauth/callback.' })
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  @MaxLength(2000)
  redirectUri?: string;
}

export class OAuthAppDto {
  @ApiProperty()
  @IsString()
  @Length(1, 500)
  clientId: string;

  @ApiProperty()
  @IsString()
  @Length(1, 2000)
  clientSecret: string;
}
