import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayNotEmpty, IsArray, IsEmail, IsIn, IsInt, IsOptional, IsString, Length, Max, MaxLength, Min, MinLength } from 'class-validator';
import { USER_ROLES, type UserRole } from '../tenancy';
import { API_KEY_SCOPES, type ApiKeyScope } from './api-key.entity';

export class SignupDto {
  @ApiProperty({ example: 'Acme Inc' })
  @IsString()
  @Length(1, 100)
  tenantName: string;

  @ApiProperty({ example: 'owner@acme.test' })
  @IsEmail()
  @MaxLength(254)
  email: string;

  @ApiProperty({ minLength: 10 })
  @IsString()
  @MinLength(10)
  @MaxLength(200)
  password: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(100)
  name?: string;
}

export class LoginDto {
  @ApiProperty()
  @IsEmail()
  email: string;

  @ApiProperty()
  @IsString()
  @MaxLength(200)
  password: string;
}

export class RefreshDto {
  @ApiProperty()
  @IsString()
  @MaxLength(200)
  refreshToken: string;
}

export class CreateUserDto extends PickType(SignupDto, ['email', 'password', 'name'] as const) {
  @ApiProperty({ enum: USER_ROLES })
  @IsIn(USER_ROLES.filter((r) => r !== 'owner'))
  role: UserRole;
}

export class CreateApiKeyDto {
  @ApiProperty({ example: 'CI deploys' })
  @IsString()
  @Length(1, 100)
  name: string;

  @ApiProperty({ enum: API_KEY_SCOPES, isArray: true, example: ['read'] })
  @IsArray()
  @ArrayNotEmpty()
  @IsIn(API_KEY_SCOPES, { each: true })
  scopes: ApiKeyScope[];

  @ApiPropertyOptional({ description: 'days until the key expires; none by default' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  expiresInDays?: number;
}

export class PageQueryDto {
  @ApiPropertyOptional({ default: 50, maximum: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ description: 'the nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  cursor?: string;
}
