import argon2 from 'argon2';
import { randomBytes } from 'node:crypto';

/** argon2id with the library's defaults (memory-hard); the hash string carries its parameters. */
export const hashPassword = (password: string): Promise<string> => argon2.hash(password);

// Verifying against this when the account is unknown keeps the timing of both failures alike.
let dummyHash: Promise<string> | null = null;

/** False for a null hash (unknown account), after the same work as a real check. */
export async function verifyPassword(hash: string | null, password: string): Promise<boolean> {
  const ok = await argon2.verify(hash ?? (await (dummyHash ??= argon2.hash('not-a-real-password'))), password);
  return hash !== null && ok;
}

/** A password to show once: 16 random bytes, URL-safe. */
export const generatePassword = (): string => randomBytes(16).toString('base64url');
