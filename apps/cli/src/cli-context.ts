import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { loadConfigOrExit } from '#libs/http/index.js';
import { DomainError } from '#libs/domain/index.js';
import { CliModule } from './cli.module.js';

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
    if (!(err instanceof DomainError)) throw err;
    console.error(`error: ${err.message}`);
    process.exitCode = 1;
  } finally {
    await app.close();
  }
}
