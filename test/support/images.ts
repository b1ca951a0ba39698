/**
 * The test images scripts/services/test-images.sh builds and pushes (FROM scratch + busybox),
 * and the registry they live in. Tests import names from here instead of spelling them out.
 */

/** host:port of the test registry. */
export const testRegistry: string = process.env.SLIPWAY_TEST_REGISTRY ?? '127.0.0.1:5000';

/** Repository prefix of every test image. */
export const testImagePrefix = `${testRegistry}/slipway-test`;

export interface TestImage {
  /** Repository name including the registry host, e.g. 127.0.0.1:5000/slipway-test/app. */
  name: string;
  tag: string;
  /** name:tag */
  ref: string;
}

function image(repository: string, tag: string): TestImage {
  const name = `${testImagePrefix}/${repository}`;
  return { name, tag, ref: `${name}:${tag}` };
}

/** The port every HTTP test image listens on. */
export const APP_PORT = 8080;

export const testImages = {
  /** busybox httpd on :8080: `/` = "v1", `/healthz` = "ok", `/env.txt` = $GREETING, `/data/*` = files under /data. */
  appV1: image('app', 'v1'),
  /** Like appV1, `/` = "v2". */
  appV2: image('app', 'v2'),
  /** Runs forever, never listens. */
  neverReady: image('never-ready', 'v1'),
  /** Serves like appV1 only after $READY_DELAY seconds (default 5). */
  slowReady: image('slow-ready', 'v1'),
  /** Exits with code 1 after about 2 s. */
  crash: image('crash', 'v1'),
  /** Real PostgreSQL 15 (scripts/services/postgres-image.sh): the official image's POSTGRES_* conventions; psql in PATH. */
  postgres: image('postgres', '15'),
  /** Real Redis 7.0 from Debian (scripts/services/redis-image.sh): the official image's entrypoint (`redis-server --requirepass …` as the command), data in /data; redis-cli in PATH. */
  redis: image('redis', '7'),
  /** MariaDB 10.11 from Debian (scripts/services/mysql-image.sh) behind the official mysql image's entrypoint: MYSQL_ROOT_PASSWORD / _DATABASE / _USER / _PASSWORD, data in /var/lib/mysql; mysql in PATH. */
  mysql: image('mysql', '8'),
  /** Caddy 2.11 built from source (scripts/services/caddy-image.sh), laid out like the official caddy:2 image: the edge. */
  caddy: image('caddy', '2.11.9'),
} as const;
