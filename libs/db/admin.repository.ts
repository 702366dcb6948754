import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { queryRows } from './sql.js';

export type AdminRole = 'admin' | 'reviewer';

export interface AdminRow {
  id: string;
  username: string;
  passwordHash: string;
  role: AdminRole;
  disabled: boolean;
}

@Injectable()
export class AdminRepository {
  constructor(private readonly db: DataSource) {}

  async findByUsername(username: string): Promise<AdminRow | null> {
    const [row] = await queryRows(this.db, 
      `SELECT id::text, username, password_hash AS "passwordHash", role, disabled FROM admins WHERE username = $1`,
      [username],
    );
    return row ?? null;
  }

  /** Creates the first admin unless any admin exists; true when this call created it. */
  async createFirstAdmin(username: string, passwordHash: string): Promise<boolean> {
    const rows = await queryRows(this.db, 
      `INSERT INTO admins (username, password_hash, role)
       SELECT $1, $2, 'admin' WHERE NOT EXISTS (SELECT 1 FROM admins)
       ON CONFLICT (username) DO NOTHING RETURNING id`,
      [username, passwordHash],
    );
    return rows.length === 1;
  }
}
