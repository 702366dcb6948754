import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { CodeRow } from './code-rows.js';
import { queryRows } from './sql.js';

@Injectable()
export class UserRepository {
  constructor(private readonly db: DataSource) {}

  /** Creates a person with a green code and its first history row, in one statement. */
  async registerUser(): Promise<CodeRow> {
    const [row] = await queryRows(
      this.db,
      `
      WITH u AS (INSERT INTO users DEFAULT VALUES RETURNING id, created_at),
      c AS (
        INSERT INTO health_codes (user_id, color, reason, version, updated_at)
        SELECT id, 'green', 'registered', 1, created_at FROM u RETURNING *
      ),
      h AS (
        INSERT INTO code_history (user_id, from_color, to_color, reason, actor, version, at)
        SELECT user_id, NULL, 'green', 'registered', 'system', 1, updated_at FROM c
      )
      SELECT user_id::text AS "userId", updated_at AS "updatedAt" FROM c`,
    );
    return {
      userId: row.userId,
      color: 'green',
      reason: 'registered',
      version: 1,
      updatedAtMs: new Date(row.updatedAt).getTime(),
      expiresAtMs: null,
      infectiousFromMs: null,
      tokenVersion: 0,
    };
  }
}
