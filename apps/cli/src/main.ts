import { Command } from 'commander';
import { adminsCommand } from './commands/admins.command.js';
import { usersCommand } from './commands/users.command.js';
import { windowsCommand } from './commands/windows.command.js';

/**
 * `npm run cli -- <group> <command>`: operator commands against DATABASE_URL. One file per
 * group in commands/ (admins; users: revoke-tokens; windows: list, trace, rerun), each exporting a commander Command.
 */
const program = new Command('cli')
  .description('Health-code operator commands')
  .showHelpAfterError()
  .addCommand(adminsCommand())
  .addCommand(usersCommand())
  .addCommand(windowsCommand());

await program.parseAsync(process.argv);
