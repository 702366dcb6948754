import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
} from 'class-validator';
import { CODE_CHANGE_STATUSES } from '#libs/db/index.js';
import { COLORS } from '#libs/domain/index.js';

const ID = /^[1-9]\d{0,17}$/;
export const MAX_BULK_IDS = 500;

export class CodeChangeIdParam {
  @ApiProperty() @Matches(ID, { message: 'id must be a code-change id (digits)' }) id!: string;
}

export class DecisionRequest {
  @ApiPropertyOptional({ maxLength: 500 }) @IsOptional() @IsString() @MaxLength(500) note?: string;
}

export class RevokeRequest {
  @ApiProperty({ maxLength: 500, description: 'why the change is undone' }) @IsString() @Length(1, 500) note!: string;
}

export const DECISIONS = ['approve', 'reject'] as const;
export type Decision = (typeof DECISIONS)[number];

export class BulkDecisionRequest extends DecisionRequest {
  @ApiProperty({ type: [String], minItems: 1, maxItems: MAX_BULK_IDS })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BULK_IDS)
  @Matches(ID, { each: true, message: 'ids must be code-change ids (digits)' })
  ids!: string[];

  @ApiProperty({ enum: DECISIONS }) @IsIn(DECISIONS) decision!: Decision;
}

export class CodeChangeResponse {
  @ApiProperty() id!: string;
  @ApiProperty() userId!: string;
  @ApiProperty({ enum: COLORS }) fromColor!: string;
  @ApiProperty({ enum: COLORS }) toColor!: string;
  @ApiProperty({ enum: CODE_CHANGE_STATUSES }) status!: string;
  @ApiProperty() auto!: boolean;
  @ApiProperty() reason!: string;
  @ApiProperty() exposureSeconds!: number;
  @ApiProperty() windowId!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', nullable: true }) decidedAt!: string | null;
  @ApiProperty({ nullable: true }) decidedBy!: string | null;
  @ApiProperty({ nullable: true }) note!: string | null;
  @ApiProperty({ format: 'date-time' }) windowStart!: string;
  @ApiProperty({ format: 'date-time' }) windowEnd!: string;
  @ApiProperty({ nullable: true, type: String, description: 'who holds a live claim on it (pending only)' })
  claimedBy!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) claimExpiresAt!: string | null;
}

class EvidenceWindow {
  @ApiProperty() id!: number;
  @ApiProperty({ format: 'date-time' }) startsAt!: string;
  @ApiProperty({ format: 'date-time' }) endsAt!: string;
  @ApiProperty() status!: string;
}

class ClosestPings {
  @ApiProperty({ description: 'smallest distance between the areas of the two positions, metres' }) meters!: number;
  @ApiProperty({ description: 'time between those two pings, seconds' }) secondsApart!: number;
}

class EvidenceSource {
  @ApiProperty({ description: 'the infectious person' }) sourceId!: string;
  @ApiProperty({ description: 'exposure to this source alone' }) exposureSeconds!: number;
  @ApiProperty({ type: [String], description: "the contact's cells co-located with the source" }) cells!: string[];
  @ApiProperty({ type: [String], description: 'starts of the co-located slots (ISO-8601)' }) slotTimes!: string[];
  @ApiProperty({
    type: ClosestPings,
    nullable: true,
    description: 'the closest pings of the two (null when not kept: evidence past the ping retention)',
  })
  closest!: ClosestPings | null;
}

class Evidence {
  @ApiProperty({ type: [EvidenceWindow] }) windows!: EvidenceWindow[];
  @ApiProperty({ description: 'exposure to all sources together (distinct slots x slot length)' })
  exposureSeconds!: number;
  @ApiProperty() slotSeconds!: number;
  @ApiProperty({ type: [EvidenceSource] }) sources!: EvidenceSource[];
}

export class CodeChangeWithEvidence extends CodeChangeResponse {
  @ApiProperty({ type: Evidence }) evidence!: Evidence;
}

class BulkItem {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: [...CODE_CHANGE_STATUSES, 'not_found'], description: 'the status after this call' })
  status!: string;
  @ApiPropertyOptional({
    enum: ['CONFLICT', 'NOT_FOUND'],
    description: 'set when this call did not decide the request',
  })
  error?: string;
}

export class BulkDecisionResponse {
  @ApiProperty({ type: [BulkItem] }) items!: BulkItem[];
}
