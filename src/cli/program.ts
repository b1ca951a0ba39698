import { Command, CommanderError } from 'commander';
import { CliError, EXIT } from './cli-error.js';
import { ApiError } from './api-client.js';
import { actionCommands } from './commands/actions.js';
import { contextCommands } from './commands/contexts.js';
import { createCommands } from './commands/create.js';
import { environmentFileCommands } from './commands/environment-files.js';
import { importCommands } from './commands/import-compose.js';
import { readCommands } from './commands/reads.js';
import { makeOut, paint, type Out } from './output.js';
import { makeSession } from './session.js';

/**
 * The `slipway` client: every command but `server` talks to a Slipway server's HTTP API.
 * Commander parses the arguments (and suggests the nearest command or flag on a typo); every
 * failure ends as one line on stderr and an exit code of cli-error.ts.
 */

export function buildProgram(out: Out): Command {
  const program = new Command('slipway');
  program
    .description('Slipway: deploy environments of services on machines you own')
    .option('--context <name>', 'use this saved context instead of the current one')
    .showSuggestionAfterError(true)
    .showHelpAfterError('(slipway --help lists the commands)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });
  program.command('server').description('start the control plane (API, engine, edge); configured by SLIPWAY_* environment variables');
  const session = makeSession(() => program.opts<{ context?: string }>(), out);
  contextCommands(program, session);
  readCommands(program, session);
  createCommands(program, session);
  actionCommands(program, session);
  environmentFileCommands(program, session);
  importCommands(program, session);
  // Every subcommand reports its usage errors through the same override.
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Prints an error as the one line (and field lines) the user reads, and returns its exit code. */
export function reportError(out: Out, error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander printed its message already; --help and --version are not errors.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.help' || error.code === 'commander.version') return EXIT.OK;
    return EXIT.USAGE;
  }
  if (error instanceof CliError) {
    const code = error instanceof ApiError ? ` ${error.code}` : '';
    out.error(`${paint(out, 'red', 'error')}${code}: ${error.message}`);
    for (const detail of error.details) out.error(`  ${detail}`);
    return error.exitCode;
  }
  out.error(`${paint(out, 'red', 'error')}: ${(error as Error)?.message ?? String(error)}`);
  return EXIT.FAILED;
}

export async function runClient(argv: string[]): Promise<number> {
  const out = makeOut();
  const program = buildProgram(out);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (error) {
    return reportError(out, error);
  }
}
