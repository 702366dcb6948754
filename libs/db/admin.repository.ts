import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type Db, queryRows } from './sql.js';

export const ADMIN_ROLES = ['admin', 'reviewer'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

export interface AdminRow {
  id: string;
  username: string;
  passwordHash: string;
  role: AdminRole;
  disabled: boolean;
  /** Admin tokens of another version are refused (AdminAuthenticator); see endSessions below. */
  tokenVersion: number;
}

const COLUMNS = `id::text, username, password_hash AS "passwordHash", role, disabled, token_version::int AS "tokenVersion"`;

@Injectable()
export class AdminRepository {
  constructor(private readonly db: DataSource) {}

  async findByUsername(username: string, db: Db = this.db): Promise<AdminRow | null> {
    const [row] = await queryRows(db, `SELECT ${COLUMNS} FROM admins WHERE username = $1`, [username]);
    return row ?? null;
  }

  async findById(id: string): Promise<AdminRow | null> {
    const [row] = await queryRows(this.db, `SELECT ${COLUMNS} FROM admins WHERE id = $1`, [id]);
    return row ?? null;
  }

  /** Every account, by username, without its password hash. */
  async listAdmins(): Promise<(Omit<AdminRow, 'passwordHash'> & { createdAtMs: number })[]> {
    const rows = await queryRows(
      this.db,
      'SELECT id::text, username, role, disabled, created_at AS "createdAt" FROM admins ORDER BY username',
    );
    return rows.map(({ createdAt, ...r }) => ({ ...r, createdAtMs: (createdAt as Date).getTime() }));
  }

  /** A new account; null when the username is taken. */
  async createAdmin(tx: Db, username: string, passwordHash: string, role: AdminRole): Promise<AdminRow | null> {
    const [row] = await queryRows(
      tx,
      `INSERT INTO admins (username, password_hash, role) VALUES ($1, $2, $3)
       ON CONFLICT (username) DO NOTHING RETURNING ${COLUMNS}`,
      [username, passwordHash, role],
    );
    return row ?? null;
  }

  /**
   * Changes one account and returns it as it is now; null for an unknown username. `endSessions`
   * moves the token version on, so every token issued before is refused from now on.
   */
  async updateAdmin(
    tx: Db,
    username: string,
    change: { disabled?: boolean; passwordHash?: string; endSessions?: boolean },
  ): Promise<AdminRow | null> {
    const [row] = await queryRows(
      tx,
      `UPDATE admins SET disabled = coalesce($2, disabled), password_hash = coalesce($3, password_hash),
         token_version = token_version + CASE WHEN $4 THEN 1 ELSE 0 END
       WHERE username = $1 RETURNING ${COLUMNS}`,
      [username, change.disabled ?? null, change.passwordHash ?? null, change.endSessions ?? false],
    );
    return row ?? null;
  }

  async anyExists(): Promise<boolean> {
    const rows = await queryRows(this.db, `SELECT 1 FROM admins LIMIT 1`);
    return rows.length > 0;
  }

  /** Creates the first admin unless any admin exists; true when this call created it. */
  async createFirstAdmin(username: string, passwordHash: string): Promise<boolean> {
    const rows = await queryRows(
      this.db,
      `INSERT INTO admins (username, password_hash, role)
       SELECT $1, $2, 'admin' WHERE NOT EXISTS (SELECT 1 FROM admins)
       ON CONFLICT (username) DO NOTHING RETURNING id`,
      [username, passwordHash],
    );
    return rows.length === 1;
  }
}
