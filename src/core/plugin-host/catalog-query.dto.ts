import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { AUTH_KINDS, PLUGIN_CATEGORIES, type AuthKind } from '../plugin-sdk';

export class CatalogQueryDto {
  @ApiPropertyOptional({ enum: PLUGIN_CATEGORIES })
  @IsOptional()
  @IsIn(PLUGIN_CATEGORIES)
  category?: string;

  @ApiPropertyOptional({ description: 'matches name, display name and description' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  q?: string;

  @ApiPropertyOptional({ enum: AUTH_KINDS })
  @IsOptional()
  @IsIn(AUTH_KINDS)
  auth?: AuthKind;
}
