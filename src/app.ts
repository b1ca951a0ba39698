import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Docker from 'dockerode';
import type { Logger } from 'pino';
import { buildServer } from './api/server.js';
import { GitClient } from './build/git-client.js';
import { ImageBuilder } from './build/image-builder.js';
import { BuildPipeline, workspacesDir } from './build/pipeline.js';
import { RegistryClient } from './build/registry-client.js';
import type { Config } from './config.js';
import { Engine } from './engine/engine.js';
import type { EventRelay } from './engine/events.js';
import { DockerRuntime } from './runtime/docker/docker-runtime.js';
import { createCaddyEdge } from './runtime/docker/caddy/create-caddy-edge.js';
import { Notifications } from './notifications/index.js';
import { KubernetesRuntimes } from './runtime/kubernetes/per-environment.js';
import { createStore } from './store/create-store.js';
import { waitForDatabase } from './store/wait-for-database.js';

export interface RunningSlipway {
  /** Where the API listens, e.g. http://127.0.0.1:8080. */
  url: string;
  engine: Engine;
  /** Stops taking requests, lets running deployments finish, closes everything. */
  close(): Promise<void>;
}

/** Wires the store, the runtimes, the engine and the API together, and listens. */
export async function startSlipway(config: Config, logger: Logger): Promise<RunningSlipway> {
  // PostgreSQL down or still starting: wait for it (each retry logged), rather than exit.
  if (config.databaseUrl) await waitForDatabase(config.databaseUrl, { log: logger.child({ component: 'store' }) });
  const store = await createStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, secretKey: config.secretKey });
  // One engine client: image builds and the docker runtime share its connection (and its outage message).
  const dockerClient = new Docker();
  const edge = await createCaddyEdge(config.edge, config.dataDir, dockerClient, store, logger.child({ component: 'edge' }));
  // The edge first: it takes over the routes Caddy runs before the runtime adopts its instances.
  await edge.start();
  const registry = new RegistryClient({ tokenHosts: config.registryTokenHosts });
  const docker = new DockerRuntime({
    docker: dockerClient,
    registry,
    edge,
    hostPorts: store,
    publicHost: config.publicHost,
    hostPortRange: config.edgePorts,
    owns: async (serviceId) => (await store.getService(serviceId)) !== undefined,
    log: (message, level = 'info') => logger[level]({ component: 'docker' }, message),
  });
  const git = new GitClient({
    cacheDir: join(config.dataDir, 'git-cache'),
    allowFileUrls: true,
    ...(config.gitSshKeyFile ? { sshPrivateKey: await readFile(config.gitSshKeyFile, 'utf8') } : {}),
  });
  const builder = new BuildPipeline({
    git,
    images: new ImageBuilder(dockerClient, config.registry, registry, (work) => docker.onEngine(work)),
    registry: config.registry,
    workspacesDir: workspacesDir(config.dataDir),
    buildTimeoutMs: config.buildTimeoutMs,
  });
  // Kubernetes environments run on their own kubeconfig, else on the server's; with neither,
  // their actions fail with a clear message. The Kubernetes client is loaded only when a
  // cluster is first needed: it costs tens of MB of memory.
  const kubernetes = new KubernetesRuntimes({
    ...(config.kubeconfig ? { defaultKubeconfig: config.kubeconfig } : {}),
    kubeconfigOf: async (environmentId) => (await store.getEnvironment(environmentId))?.settings.kubeconfig,
    registry,
    publicHost: config.publicHost,
    ...(config.k8sIngress ? { ingress: config.k8sIngress } : {}),
    tcpServiceType: config.k8sTcpServiceType,
    log: (message) => logger.info({ component: 'kubernetes' }, message),
  });
  const engine = new Engine(store, { docker, kubernetes }, logger.child({ component: 'engine' }), { leaseMs: config.leaseMs, metricsIntervalMs: config.metricsIntervalMs }, builder);
  if (config.awsRegion) {
    // The AWS SDK is loaded only when managed databases are configured.
    const { AwsManagedDatabases } = await import('./engine/managed-databases/aws.js');
    engine.useManagedDatabases(new AwsManagedDatabases({ region: config.awsRegion }));
  }
  const notifications = new Notifications(store, engine.events, logger.child({ component: 'notifications' }), {
    allowHosts: config.notificationAllowHosts,
    ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
    outbox: { firstRetryMs: config.notificationFirstRetryMs },
  });
  const server = await buildServer({
    store,
    controlPlane: engine,
    listImageTags: (imageName) => registry.listTags(imageName),
    logger,
    bootstrapToken: config.bootstrapToken,
    authFailureLimits: { maxFailures: config.authFailuresPerMinute },
    git: { headCommit: (source) => git.headCommit(source), listCommits: (source, limit) => git.listCommits(source, limit) },
    dependencies: () => [docker.status(), edge.status()],
    buildRegistry: Boolean(config.registry),
    appsDomain: config.edge.appsDomain,
    notificationPolicy: notifications.policy,
  });
  // Processes sharing PostgreSQL show each other's events; SQLite has one process.
  // Imported here: only a server on PostgreSQL loads pg (store/dialect.ts).
  let relay: EventRelay | undefined;
  if (config.databaseUrl) {
    const { PostgresEventRelay } = await import('./store/postgres-event-relay.js');
    relay = new PostgresEventRelay(config.databaseUrl, (message) => logger.warn({ component: 'events' }, message));
    await engine.events.relayThrough(relay);
  }
  // Before the engine publishes the running states it observes at start: crashes are told by comparison with them.
  notifications.subscribe();
  const close = async (): Promise<void> => {
    await server.close();
    // The deployments the engine lets finish still notify.
    await engine.close();
    await notifications.close();
    await relay?.close();
    await edge.close();
    await store.close();
  };
  await engine.start();
  try {
    await server.listen({ port: config.port, host: config.host });
  } catch (error) {
    // A port already taken: nothing may keep running (the edge's retries, the engine) in a process that failed to start.
    await close().catch((closeError: unknown) => logger.warn({ err: closeError }, 'closing after a failed start'));
    throw error;
  }
  const address = server.server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  notifications.start(`http://${host}:${address.port}`);
  logger.info({ url: `http://${host}:${address.port}`, database: config.databaseUrl ? 'postgresql' : 'sqlite' }, 'Slipway is listening');
  return { url: `http://${host}:${address.port}`, engine, close };
}
