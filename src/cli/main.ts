#!/usr/bin/env node
import pino from 'pino';
import { startSlipway } from '../app.js';
import { errorMessage } from '../domain/errors.js';
import { ConfigError, loadConfig } from '../config.js';

const USAGE = `Usage: slipway <command>

Commands:
  server    start the control plane (API, engine, edge proxy) on its configuration
            from the environment: SLIPWAY_PORT, SLIPWAY_DATA_DIR, SLIPWAY_DATABASE_URL, …
  help      show this text
`;

async function server(): Promise<void> {
  const config = loadConfig();
  const logger = pino({ level: config.logLevel });
  const slipway = await startSlipway(config, logger);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: waiting for running deployments to finish');
    slipway.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'stopping failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

async function main(argv: string[]): Promise<void> {
  const command = argv[0];
  switch (command) {
    case 'server':
      return server();
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return;
    default:
      process.stderr.write(`slipway: unknown command "${command}"\n\n${USAGE}`);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`slipway: ${err.message}\n`);
  } else {
    process.stderr.write(`slipway: ${errorMessage(err)}\n`);
  }
  process.exitCode = 1;
});
