import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';

/** The page size of a cursor-paginated list; each endpoint applies its own default. */
export class LimitQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, description: 'page size' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

/** A keyset-paginated list whose cursor is the id of the previous page's last row. */
export class IdCursorQueryDto extends LimitQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'the nextCursor of the previous page' })
  @IsOptional()
  @IsUUID()
  cursor?: string;
}
