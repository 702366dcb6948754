import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MAX_ACCURACY_METERS } from '#libs/geo/index.js';
import { MAX_PINGS_PER_BATCH, MAX_REPORTED_ACCURACY_METERS } from './ping-batch.parser.js';

// Documentation of the body for OpenAPI; the body itself is checked by parsePingBatch.

/** One ping: a time and either coordinates (encoded, then dropped) or a geohash. */
export class PingItem {
  @ApiProperty({
    oneOf: [
      { type: 'string', format: 'date-time' },
      { type: 'integer', description: 'epoch milliseconds' },
    ],
  })
  ts!: string | number;

  @ApiPropertyOptional({ minimum: -90, maximum: 90 })
  lat?: number;

  @ApiPropertyOptional({ minimum: -180, maximum: 180 })
  lon?: number;

  @ApiPropertyOptional({ description: 'geohash computed on the phone (at least the configured precision)' })
  geohash?: string;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_REPORTED_ACCURACY_METERS,
    description: `the fix's accuracy in metres, as the phone reports it (widens the position by up to ${MAX_ACCURACY_METERS} m)`,
  })
  accuracy?: number;
}

export class PingsRequest {
  @ApiProperty({ type: [PingItem], minItems: 1, maxItems: MAX_PINGS_PER_BATCH })
  pings!: PingItem[];
}

export class PingsResponse {
  @ApiProperty({ description: 'stored, in windows not yet traced' }) accepted!: number;
  @ApiProperty({ description: 'stored, in windows already traced (they are traced again)' }) late!: number;
  @ApiProperty({
    description:
      "not stored: older than the retention, too far in the future, or implausible (faster than HC_MAX_SPEED_KMH from the person's other pings, or past HC_MAX_PINGS_PER_SLOT in a slot)",
  })
  rejected!: number;
}
