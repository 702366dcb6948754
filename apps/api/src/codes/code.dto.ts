import { ApiProperty } from '@nestjs/swagger';
import { COLORS, type Color } from '#libs/domain/index.js';
import type { CodeView } from '#libs/cache/index.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The phone's answer (docs/api.md, `GET /v1/codes/me`). */
export class CodeResponse {
  @ApiProperty() userId!: string;
  @ApiProperty({ enum: COLORS }) color!: Color;
  @ApiProperty() reason!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) expiresAt!: string | null;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'end of the newest window fully traced',
  })
  tracedUntil!: string | null;

  static of(view: CodeView, tracedUntilMs: number | null): CodeResponse {
    return {
      userId: view.userId,
      color: view.color,
      reason: view.reason,
      updatedAt: new Date(view.updatedAtMs).toISOString(),
      expiresAt: iso(view.expiresAtMs),
      tracedUntil: iso(tracedUntilMs),
    };
  }
}
