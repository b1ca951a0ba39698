#!/usr/bin/env node
import { errorMessage } from '../domain/errors.js';
import { ConfigError, loadConfig } from '../config.js';

async function server(): Promise<void> {
  // Loaded here, not at the top: the client commands start without the server's modules.
  const [{ default: pino }, { startSlipway }] = await Promise.all([import('pino'), import('../app.js')]);
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
  if (argv[0] === 'server') return server();
  // Everything else is the client, loaded only here: the server never loads the parser.
  const { runClient } = await import('./program.js');
  process.exitCode = await runClient(argv);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`slipway: ${err.message}\n`);
  } else {
    process.stderr.write(`slipway: ${errorMessage(err)}\n`);
  }
  process.exitCode = 1;
});
