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
}

const COLUMNS = `id::text, username, password_hash AS "passwordHash", role, disabled`;

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

  /** Changes one account and returns it as it is now; null for an unknown username. */
  async updateAdmin(
    tx: Db,
    username: string,
    change: { disabled?: boolean; passwordHash?: string },
  ): Promise<AdminRow | null> {
    const [row] = await queryRows(
      tx,
      `UPDATE admins SET disabled = coalesce($2, disabled), password_hash = coalesce($3, password_hash)
       WHERE username = $1 RETURNING ${COLUMNS}`,
      [username, change.disabled ?? null, change.passwordHash ?? null],
    );
    return row ?? null;
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
