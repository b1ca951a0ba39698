import { resolve } from 'node:path';
import { findKubeconfig } from './runtime/kubernetes/find-kubeconfig.js';

/** Slipway's configuration, from the environment (docs/configuration.md). */
export interface Config {
  port: number;
  /** Address the API binds to. */
  host: string;
  dataDir: string;
  databaseUrl?: string;
  bootstrapToken?: string;
  secretKey?: string;
  /** Registry pushed to and pulled from; unset keeps images in the local engine. */
  registry?: string;
  /** Hosts (host[:port]) registries may name as their token realm besides their own host. */
  registryTokenHosts: string[];
  /** Host name put in service endpoint URLs. */
  publicHost: string;
  /** Host ports Docker publishes public tcp ports on (SLIPWAY_EDGE_PORTS). */
  edgePorts: { from: number; to: number };
  /** Ingresses for kubernetes environments (docs/edge.md#kubernetes); unset unless SLIPWAY_K8S_INGRESS_CLASS or SLIPWAY_K8S_CLUSTER_ISSUER is set. */
  k8sIngress?: { appsDomain: string; className?: string; clusterIssuer?: string };
  /** The Service type of public tcp ports on Kubernetes (SLIPWAY_K8S_TCP_SERVICE_TYPE). */
  k8sTcpServiceType: 'NodePort' | 'LoadBalancer';
  /** The Caddy edge (docs/edge.md): public http ports of Docker services, by host name. */
  edge: {
    image: string;
    container: string;
    httpPort: number;
    httpsPort: number;
    appsDomain: string;
    /** Certificates from ACME (SLIPWAY_ACME_EMAIL set) instead of Caddy's internal CA; caRootFile: SLIPWAY_ACME_CA_ROOT. */
    acme?: { email: string; directory: string; caRootFile?: string };
  };
  leaseMs: number;
  logLevel: string;
  /** Cluster credentials of the kubernetes runtime (see findKubeconfig); unset: no kubernetes runtime. */
  kubeconfig?: string;
  /** A build (clone, build, push) longer than this is stopped and fails. */
  buildTimeoutMs: number;
  /** Private key file for ssh git remotes; unset: ssh remotes work only without a key. */
  gitSshKeyFile?: string;
  /** AWS region of managed databases (RDS, ElastiCache); unset: managed databases are not available. */
  awsRegion?: string;
  /** Failed authentications a client address may make in a minute before it gets 429. */
  authFailuresPerMinute: number;
  /** How often CPU and memory of running instances are sampled; 0: never. */
  metricsIntervalMs: number;
  /** Hosts (host[:port]) notifications may be sent to although they are loopback or link-local (docs/notifications.md). */
  notificationAllowHosts: string[];
  /** The wait before a failed notification is tried again; each later retry doubles it. */
  notificationFirstRetryMs: number;
  /** The console's public address, for links in notifications; unset: the API's listening address. */
  publicUrl?: string;
}

export class ConfigError extends Error {}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function range(env: NodeJS.ProcessEnv, name: string, fallback: { from: number; to: number }): { from: number; to: number } {
  const raw = env[name];
  if (!raw) return fallback;
  const match = /^(\d+)-(\d+)$/.exec(raw);
  const from = Number(match?.[1]);
  const to = Number(match?.[2]);
  if (!match || from < 1024 || to > 65535 || from > to) {
    throw new ConfigError(`${name} must look like 20000-29999 (ports 1024 to 65535), got "${raw}"`);
  }
  return { from, to };
}

const TCP_SERVICE_TYPES = ['NodePort', 'LoadBalancer'] as const;

function tcpServiceType(env: NodeJS.ProcessEnv): (typeof TCP_SERVICE_TYPES)[number] {
  const raw = env.SLIPWAY_K8S_TCP_SERVICE_TYPE || 'NodePort';
  const found = TCP_SERVICE_TYPES.find((t) => t === raw);
  if (!found) throw new ConfigError(`SLIPWAY_K8S_TCP_SERVICE_TYPE must be NodePort or LoadBalancer, got "${raw}"`);
  return found;
}

/**
 * SLIPWAY_EDGE once chose the in-process Node proxy; the edge is always Caddy now. A setting
 * other than caddy is refused rather than ignored: the server it was written for published
 * http ports on host ports, which no longer happens.
 */
function checkEdgeKind(env: NodeJS.ProcessEnv): void {
  const raw = env.SLIPWAY_EDGE;
  if (raw === undefined || raw === '' || raw === 'caddy') return;
  throw new ConfigError(
    `SLIPWAY_EDGE=${raw}: the in-process edge proxy was removed; the edge is Caddy in its own container (docs/edge.md). ` +
      'Unset SLIPWAY_EDGE, and set SLIPWAY_EDGE_IMAGE (default caddy:2) and SLIPWAY_EDGE_HTTP_PORT / SLIPWAY_EDGE_HTTPS_PORT (default 80 / 443) as needed',
  );
}

function publicUrl(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env.SLIPWAY_PUBLIC_URL;
  if (!raw) return undefined;
  if (!/^https?:\/\/[^/\s]+/.test(raw)) throw new ConfigError(`SLIPWAY_PUBLIC_URL must be an http(s) URL, got "${raw}"`);
  return raw.replace(/\/+$/, '');
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const databaseUrl = env.SLIPWAY_DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('SLIPWAY_DATABASE_URL must be a postgres:// URL (leave it unset for SQLite)');
  }
  checkEdgeKind(env);
  const port = integer(env, 'SLIPWAY_PORT', 8080, 0, 65535);
  const edgePorts = range(env, 'SLIPWAY_EDGE_PORTS', { from: 20000, to: 29999 });
  // The edge would hand the API's own port to a service, whose deploys would then fail.
  if (port >= edgePorts.from && port <= edgePorts.to) {
    throw new ConfigError(
      `SLIPWAY_EDGE_PORTS (${edgePorts.from}-${edgePorts.to}) includes SLIPWAY_PORT (${port}): choose an edge port range that leaves out the API port`,
    );
  }
  return {
    port,
    host: env.SLIPWAY_HOST || '0.0.0.0',
    dataDir: resolve(env.SLIPWAY_DATA_DIR || './.slipway'),
    databaseUrl,
    bootstrapToken: env.SLIPWAY_BOOTSTRAP_TOKEN || undefined,
    secretKey: env.SLIPWAY_SECRET_KEY || undefined,
    registry: env.SLIPWAY_REGISTRY || undefined,
    registryTokenHosts: (env.SLIPWAY_REGISTRY_TOKEN_HOSTS ?? '').split(',').map((h) => h.trim()).filter((h) => h !== ''),
    publicHost: env.SLIPWAY_PUBLIC_HOST || 'localhost',
    edgePorts,
    leaseMs: integer(env, 'SLIPWAY_LEASE_SECONDS', 15, 1, 3600) * 1000,
    logLevel: env.SLIPWAY_LOG_LEVEL || 'info',
    kubeconfig: findKubeconfig(env),
    buildTimeoutMs: integer(env, 'SLIPWAY_BUILD_TIMEOUT_SECONDS', 1800, 10, 86_400) * 1000,
    gitSshKeyFile: env.SLIPWAY_GIT_SSH_KEY_FILE ? resolve(env.SLIPWAY_GIT_SSH_KEY_FILE) : undefined,
    awsRegion: env.SLIPWAY_AWS_REGION || undefined,
    authFailuresPerMinute: integer(env, 'SLIPWAY_AUTH_FAILURES_PER_MINUTE', 20, 1, 1_000_000),
    metricsIntervalMs: integer(env, 'SLIPWAY_METRICS_INTERVAL_SECONDS', 15, 0, 3600) * 1000,
    notificationAllowHosts: (env.SLIPWAY_NOTIFICATION_ALLOW_HOSTS ?? '').split(',').map((h) => h.trim()).filter((h) => h !== ''),
    notificationFirstRetryMs: integer(env, 'SLIPWAY_NOTIFICATION_FIRST_RETRY_MS', 40_000, 100, 3_600_000),
    publicUrl: publicUrl(env),
    k8sIngress:
      env.SLIPWAY_K8S_INGRESS_CLASS || env.SLIPWAY_K8S_CLUSTER_ISSUER
        ? {
            appsDomain: (env.SLIPWAY_APPS_DOMAIN || 'localhost').toLowerCase(),
            ...(env.SLIPWAY_K8S_INGRESS_CLASS ? { className: env.SLIPWAY_K8S_INGRESS_CLASS } : {}),
            ...(env.SLIPWAY_K8S_CLUSTER_ISSUER ? { clusterIssuer: env.SLIPWAY_K8S_CLUSTER_ISSUER } : {}),
          }
        : undefined,
    k8sTcpServiceType: tcpServiceType(env),
    edge: {
      image: env.SLIPWAY_EDGE_IMAGE || 'caddy:2',
      container: env.SLIPWAY_EDGE_CONTAINER || 'slipway-edge',
      httpPort: integer(env, 'SLIPWAY_EDGE_HTTP_PORT', 80, 1, 65535),
      httpsPort: integer(env, 'SLIPWAY_EDGE_HTTPS_PORT', 443, 1, 65535),
      appsDomain: (env.SLIPWAY_APPS_DOMAIN || 'localhost').toLowerCase(),
      acme: env.SLIPWAY_ACME_EMAIL
        ? {
            email: env.SLIPWAY_ACME_EMAIL,
            directory: env.SLIPWAY_ACME_DIRECTORY || 'https://acme-v02.api.letsencrypt.org/directory',
            ...(env.SLIPWAY_ACME_CA_ROOT ? { caRootFile: resolve(env.SLIPWAY_ACME_CA_ROOT) } : {}),
          }
        : undefined,
    },
  };
}
