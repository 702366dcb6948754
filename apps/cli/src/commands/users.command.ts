import { Command, InvalidArgumentError, Option } from 'commander';
import { CACHE_REDIS, whenReady, type RedisClient } from '#libs/cache/index.js';
import { TokenRevoker } from '#libs/codes/index.js';
import { operator, withApp } from '../cli-context.js';
import { UsageError } from '../usage-error.js';

const USER_ID = /^[1-9]\d{0,17}$/;
const MAX_NOTE = 500;

function userId(value: string): string {
  if (!USER_ID.test(value)) throw new InvalidArgumentError('must be a user id (digits)');
  return value;
}

function note(value: string): string {
  if (!value.length || value.length > MAX_NOTE) throw new InvalidArgumentError(`must be 1-${MAX_NOTE} characters`);
  return value;
}

/** `users revoke-tokens`: people (phones). */
export function usersCommand(): Command {
  const users = new Command('users').description('people and their phone tokens (every change is audited)');

  users
    .command('revoke-tokens')
    .description("refuse every token a person's phones hold (lost or stolen phone); other people are untouched")
    .argument('<userId>', "the person's id", userId)
    .addOption(
      new Option('--note <text>', 'why (a lost or stolen phone), for the audit trail')
        .argParser(note)
        .makeOptionMandatory(),
    )
    .action(async (id: string, opts: { note: string }) => {
      await withApp(async (app) => {
        // The cache connection refuses commands until it is up, and the revocation must reach it.
        await whenReady(app.get<RedisClient>(CACHE_REDIS), 5_000).catch(() => {
          throw new UsageError('the cache Redis is unavailable: nothing was revoked');
        });
        const { tokenVersion } = await app.get(TokenRevoker).revoke(operator(), id, opts.note);
        console.log(`revoked the tokens of user ${id} (token version ${tokenVersion})`);
      });
    });

  return users;
}
