/**
 * The control plane as `slipway server` starts it (src/app.ts, configuration from the
 * environment), run as its own process by the API benchmark so that its memory is measured
 * apart from the load generator's.
 *
 * One departure: DockerRuntime.start() — adopting every Slipway container already on the
 * Docker Engine — is skipped. The engine on these machines is shared with other people's test
 * runs, whose containers this server would otherwise probe, route and possibly restart. The
 * benchmark's environments have no containers, so nothing it measures depends on it.
 */
import pino from 'pino';
import { startSlipway } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';

DockerRuntime.prototype.start = async function start(): Promise<void> {};

const config = loadConfig(process.env);
const logger = pino({ level: config.logLevel });
const slipway = await startSlipway(config, logger);
process.on('SIGTERM', () => {
  slipway.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
