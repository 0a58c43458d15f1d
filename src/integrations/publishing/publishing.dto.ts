import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayMinSize, IsArray, IsDate, IsIn, IsObject, IsOptional, IsString, IsUrl, IsUUID, Matches, MaxDate, MaxLength, MinLength, ValidateNested,
} from 'class-validator';
import { LimitQueryDto } from '../../core/http';
import { CONTENT_TYPES, MEDIA_KINDS, type ContentType, type MediaKind } from '../../core/plugin-sdk';
import { PUBLICATION_STATUSES, type PublicationStatus } from './publication.entity';

const HTTP_URL = { require_protocol: true, protocols: ['http', 'https'], require_tld: false };
/** how far ahead a publication may be scheduled */
const SCHEDULE_HORIZON_MS = 366 * 86_400_000;

export class PublishMediaDto {
  @ApiProperty({ enum: MEDIA_KINDS })
  @IsIn(MEDIA_KINDS)
  kind: MediaKind;

  @ApiPropertyOptional({ description: 'where the media is: platforms that fetch media take it from here, platforms that take uploads are sent its bytes' })
  @IsOptional()
  @IsUrl(HTTP_URL)
  @MaxLength(2000)
  url?: string;

  @ApiPropertyOptional({ description: 'an id the platform already holds for it (an uploaded image URN, a media id)' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  id?: string;

  @ApiPropertyOptional({ example: 'video/mp4' })
  @IsOptional()
  @Matches(/^[\w.+-]+\/[\w.+-]+$/, { message: 'mimeType must be a media type such as video/mp4' })
  mimeType?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  altText?: string;
}

export class PublishMetadataDto {
  @ApiPropertyOptional({ type: [String], description: 'hashtags where the platform shows them, tags where it has a field for them' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(30)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(100, { each: true })
  tags?: string[];

  @ApiPropertyOptional({ type: [String], description: "links added where the text lacks them; an article's first link is its card" })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @IsUrl(HTTP_URL, { each: true })
  links?: string[];

  @ApiPropertyOptional({ description: "a video's, episode's or article's title; derived from the first line where a platform needs one" })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  title?: string;
}

export class PublishDto {
  @ApiProperty({ description: 'the text; each platform gets it formatted to its rules (length, links, hashtags)' })
  @IsString()
  @MinLength(1)
  @MaxLength(100_000)
  content: string;

  @ApiProperty({ type: [String], example: ['linkedin', '3f0c1c3e-6c39-4f57-9d36-6a1a8e9e2f10'], description: 'connection ids, or plugin names (every connection of that plugin)' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @Matches(/^[a-z0-9][a-z0-9-]{0,62}$/i, { each: true, message: 'each platform must be a connection id or a plugin name' })
  platforms: string[];

  @ApiPropertyOptional({ enum: CONTENT_TYPES, default: 'post' })
  @IsOptional()
  @IsIn(CONTENT_TYPES)
  contentType?: ContentType;

  @ApiPropertyOptional({ type: [PublishMediaDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => PublishMediaDto)
  media?: PublishMediaDto[];

  @ApiPropertyOptional({ type: PublishMetadataDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => PublishMetadataDto)
  metadata?: PublishMetadataDto;

  @ApiPropertyOptional({ example: { slack: { channel: '#launches' } }, description: "per plugin name, options its publisher takes (see the plugin's publish action)" })
  @IsOptional()
  @IsObject()
  options?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'publish at this time (ISO 8601) instead of now; up to a year ahead' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  @MaxDate(() => new Date(Date.now() + SCHEDULE_HORIZON_MS), { message: 'scheduleAt must be within a year' })
  scheduleAt?: Date;
}

export class ListPublicationsQueryDto extends LimitQueryDto {
  @ApiPropertyOptional({ description: 'the nextCursor of the previous page' })
  @IsOptional()
  @IsUUID()
  cursor?: string;

  @ApiPropertyOptional({ enum: PUBLICATION_STATUSES })
  @IsOptional()
  @IsIn(PUBLICATION_STATUSES)
  status?: PublicationStatus;
}
