import { Command, InvalidArgumentError, Option } from 'commander';
import { AdminAccounts, generatePassword } from '#libs/auth/index.js';
import { ADMIN_ROLES, type AdminRole } from '#libs/db/index.js';
import { adminPasswordProblem, adminUsernameProblem } from '#libs/domain/index.js';
import { operator, withApp } from '../cli-context.js';

function username(value: string): string {
  const problem = adminUsernameProblem(value);
  if (problem) throw new InvalidArgumentError(problem);
  return value;
}

/** A password from standard input (never from the command line, which `ps` shows), or a generated one. */
async function passwordFrom(opts: { passwordStdin?: boolean }): Promise<{ password: string; generated: boolean }> {
  if (!opts.passwordStdin) return { password: generatePassword(), generated: true };
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  const password = text.replace(/\r?\n$/, '');
  const problem = adminPasswordProblem(password);
  if (problem) throw new InvalidArgumentError(`the password ${problem}`);
  return { password, generated: false };
}

const shown = (p: { password: string; generated: boolean }) =>
  p.generated ? `; password (shown once): ${p.password}` : '';

const stdinOption = () =>
  new Option('--password-stdin', 'read the password from standard input instead of generating one');

/** `admins create|disable|enable|reset-password`: accounts of the admin API and console. */
export function adminsCommand(): Command {
  const admins = new Command('admins').description('admin accounts (every change is audited)');

  admins
    .command('create')
    .description('create an account; prints a generated password once')
    .argument('<username>', 'login name', username)
    .addOption(new Option('--role <role>', 'what the account may do').choices(ADMIN_ROLES).default('reviewer'))
    .addOption(stdinOption())
    .action(async (name: string, opts: { role: AdminRole; passwordStdin?: boolean }) => {
      const password = await passwordFrom(opts);
      await withApp(async (app) => {
        await app.get(AdminAccounts).create(operator(), name, opts.role, password.password);
        console.log(`created ${opts.role} ${name}${shown(password)}`);
      });
    });

  for (const [name, disabled, description] of [
    ['disable', true, 'refuse logins and existing tokens of an account'],
    ['enable', false, 'allow a disabled account again'],
  ] as const) {
    admins
      .command(name)
      .description(description)
      .argument('<username>', 'login name', username)
      .action(async (who: string) => {
        await withApp(async (app) => {
          await app.get(AdminAccounts).setDisabled(operator(), who, disabled);
          console.log(`${name}d ${who}`);
        });
      });
  }

  admins
    .command('reset-password')
    .description('set a new password; prints a generated one once')
    .argument('<username>', 'login name', username)
    .addOption(stdinOption())
    .action(async (name: string, opts: { passwordStdin?: boolean }) => {
      const password = await passwordFrom(opts);
      await withApp(async (app) => {
        await app.get(AdminAccounts).resetPassword(operator(), name, password.password);
        console.log(`new password set for ${name}${shown(password)}`);
      });
    });

  return admins;
}
