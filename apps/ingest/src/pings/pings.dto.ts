import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsDefined, IsNumber, IsString, Matches, Max, MaxLength, Min, ValidateIf, ValidateNested } from 'class-validator';
import { IsPingTimestamp } from './ping-timestamp.validator.js';

export const MAX_PINGS_PER_BATCH = 1000;

const hasCoordinates = (p: PingItem) => p.lat !== undefined || p.lon !== undefined;

/** One ping: a time and either coordinates (encoded, then dropped) or a geohash. */
export class PingItem {
  @ApiProperty({ oneOf: [{ type: 'string', format: 'date-time' }, { type: 'integer', description: 'epoch milliseconds' }] })
  @IsDefined({ message: 'ts is required' })
  @IsPingTimestamp()
  ts!: string | number;

  @ApiPropertyOptional({ minimum: -90, maximum: 90 })
  @ValidateIf((p: PingItem) => p.geohash === undefined || p.lat !== undefined)
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'lat must be a number' })
  @Min(-90) @Max(90)
  lat?: number;

  @ApiPropertyOptional({ minimum: -180, maximum: 180 })
  @ValidateIf((p: PingItem) => p.geohash === undefined || p.lon !== undefined)
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'lon must be a number' })
  @Min(-180) @Max(180)
  lon?: number;

  @ApiPropertyOptional({ description: 'geohash computed on the phone (at least the configured precision)' })
  @ValidateIf((p: PingItem) => p.geohash !== undefined || !hasCoordinates(p))
  @IsString({ message: 'geohash must be a string' })
  @MaxLength(12)
  @Matches(/^[0-9b-hjkmnp-z]+$/, { message: 'geohash must be a geohash (base32, lower case)' })
  geohash?: string;
}

export class PingsRequest {
  @ApiProperty({ type: [PingItem], minItems: 1, maxItems: MAX_PINGS_PER_BATCH })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_PINGS_PER_BATCH)
  @ValidateNested({ each: true })
  @Type(() => PingItem)
  pings!: PingItem[];
}

export class PingsResponse {
  @ApiProperty({ description: 'stored, in windows not yet traced' }) accepted!: number;
  @ApiProperty({ description: 'stored, in windows already traced (they are traced again)' }) late!: number;
  @ApiProperty({ description: 'not stored: older than the retention or too far in the future' }) rejected!: number;
}
