import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { userInfo } from 'node:os';
import type { INestApplicationContext } from '@nestjs/common';
import { loadConfigOrExit } from '#libs/http/index.js';
import { DomainError } from '#libs/domain/index.js';
import { CliModule } from './cli.module.js';
import { UsageError } from './usage-error.js';

/**
 * Runs one command inside a Nest application context (the same repositories and services as
 * the apps), closes it, and turns an expected failure into its message and exit code 1.
 */
export async function withApp(work: (app: INestApplicationContext) => Promise<void>): Promise<void> {
  const config = loadConfigOrExit();
  const app = await NestFactory.createApplicationContext(CliModule.forRoot(config), { logger: ['error', 'warn'] });
  try {
    await work(app);
  } catch (err) {
    if (!(err instanceof DomainError || err instanceof UsageError)) throw err;
    console.error(`error: ${err.message}`);
    process.exitCode = 1;
  } finally {
    await app.close();
  }
}

/** The operator, as the audit trail names them (the CLI acts outside any admin account). */
export const operator = (): { adminId: null; actor: string } => ({
  adminId: null,
  actor: `cli:${userInfo().username}`,
});
