import tls from 'node:tls';
import type Docker from 'dockerode';
import type { DependencyStatus } from '../dependency-status.js';
import { httpsOrigin, redirectsToHttps, tlsState, type AcmeFailure } from '../../domain/edge-tls.js';
import type { Endpoint, TlsState } from '../runtime.js';
import { probeTls } from './caddy/tls-probe.js';
import { readAcmeFailures } from './caddy/tls-log.js';
import { CaddyAdmin } from './caddy/caddy-admin.js';
import { acmeHosts, caddyConfig, LEAVE_AFTER_MS, redirectedHostsOf, routesOf, type CaddyRoute } from './caddy/caddy-config.js';
import { ReadyFiles } from './caddy/ready-files.js';
import { edgeSlots } from './names-and-labels.js';
import { adminSocketPath, ensureEdgeContainer, joinNetwork, leaveNetwork, type EdgeContainerOptions } from './caddy/edge-container.js';
import type { Edge, EdgeBackend, EdgeRoute } from './edge.js';

/**
 * The Docker runtime's edge (docs/edge.md): Caddy in its own container, configured through its
 * admin API. Public http ports are routed by host name on the edge's http port; the edge keeps
 * serving while Slipway is stopped, restarted or upgraded. Each route lists the service's edge
 * slots, and an instance joins or leaves it by its file in the ready directory (ReadyFiles),
 * which Caddy's health checks read: a rolling redeploy changes no configuration. The whole
 * configuration is loaded only when the routes themselves change (a service's hosts, its
 * instance count, a certificate issued), since a load can drop a request.
 *
 * After a restart of Slipway it carries on from the routes Caddy runs (read back at start):
 * the instances the runtime finds ready again keep their traffic without a gap, and the ones
 * nobody claims go when the runtime says it adopted everything (adopted()).
 *
 * It carries http only: tcp ports are published by Docker on the instances.
 */
export interface CaddyEdgeOptions extends Omit<EdgeContainerOptions, 'docker'> {
  docker: Docker;
  /** The host names of a public http port (docs/edge.md#host-names). */
  hostsOf(serviceId: string, containerPort: number): Promise<string[]>;
  /** ACME instead of the internal CA for hosts outside localhost (SLIPWAY_ACME_*). */
  acme?: { email: string; directory: string };
  /** How often a down edge is tried again; default 5 s. */
  retryMs?: number;
  /** How often the certificates of ACME hosts are looked at, to redirect http once issued; default 3 s. */
  tlsCheckMs?: number;
  log?: (message: string, level?: 'info' | 'warn') => void;
}

interface HeldRoute extends Omit<CaddyRoute, 'upstreams'> {
  network?: string;
  /** host:port of the service's edge slots: from its instance count, or as read back from Caddy. */
  slots: string[];
  /** Backend id → the host:port Caddy dials for it, in the order added. */
  backends: Map<string, string>;
}

/** Backends read back from Caddy carry this id prefix until an instance claims their address. */
const UNCLAIMED = 'unclaimed:';
const DRAIN_POLL_MS = 100;
const TLS_RECHECK_MS = 3000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function key(serviceId: string, containerPort: number): string {
  return JSON.stringify([serviceId, containerPort]);
}

export class CaddyEdge implements Edge {
  private readonly admin: CaddyAdmin;
  private readonly ready: ReadyFiles;
  private readonly routes = new Map<string, HeldRoute>();
  private readonly log: (message: string, level?: 'info' | 'warn') => void;
  private up = false;
  private problem: string | undefined = 'not started yet';
  private chain: Promise<void> = Promise.resolve();
  private loaded: string | null = null;
  private retry: NodeJS.Timeout | null = null;
  private connecting: Promise<void> | null = null;
  private closed = false;
  private caRoot: string | undefined;
  private readonly tlsStates = new Map<string, { state: TlsState; until: number }>();
  /** Hosts whose plain http redirects to https (an issued ACME certificate). */
  private redirected = new Set<string>();
  private tlsCheck: NodeJS.Timeout | null = null;
  private failures: { until: number; read: Promise<Map<string, AcmeFailure>> } | null = null;

  constructor(private readonly options: CaddyEdgeOptions) {
    this.admin = new CaddyAdmin(adminSocketPath(options.runDir));
    this.ready = new ReadyFiles(options.runDir);
    this.log = options.log ?? (() => undefined);
  }

  /** Starts (or finds) the edge container and takes over its routes. A failure is logged and retried: it never throws. */
  start(): Promise<void> {
    this.connecting ??= this.connect().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  status(): DependencyStatus {
    const address = `container ${this.options.name} (${this.options.image}), http port ${this.options.httpPort}`;
    return this.up ? { name: 'edge', available: true, address } : { name: 'edge', available: false, address, message: this.problem ?? 'not started' };
  }

  async openRoute(route: EdgeRoute): Promise<void> {
    const k = key(route.serviceId, route.containerPort);
    const hosts = await this.options.hostsOf(route.serviceId, route.containerPort);
    const slots = route.instances === undefined ? undefined : edgeSlots(route.serviceId, route.instances).map((slot) => `${slot}:${route.containerPort}`);
    const held = this.routes.get(k);
    if (held) {
      held.hosts = hosts;
      held.network = route.network ?? held.network;
      held.slots = slots ?? held.slots;
    } else {
      this.routes.set(k, { serviceId: route.serviceId, containerPort: route.containerPort, hosts, network: route.network, slots: slots ?? [], backends: new Map() });
    }
    if (this.up && route.network) await joinNetwork(this.options.docker, this.options.name, route.network);
    await this.sync();
  }

  async closeRoutes(serviceId: string): Promise<void> {
    for (const [k, r] of this.routes) {
      if (r.serviceId !== serviceId) continue;
      this.routes.delete(k);
      for (const dial of r.backends.values()) await this.ready.unmark(dial).catch(() => undefined);
    }
    await this.sync();
  }

  async closeRoute(serviceId: string, containerPort: number): Promise<void> {
    const held = this.routes.get(key(serviceId, containerPort));
    if (!held) return;
    this.routes.delete(key(serviceId, containerPort));
    for (const dial of held.backends.values()) await this.ready.unmark(dial).catch(() => undefined);
    await this.sync();
  }

  addBackend(serviceId: string, containerPort: number, backend: EdgeBackend): void {
    const k = key(serviceId, containerPort);
    let held = this.routes.get(k);
    if (!held) {
      held = { serviceId, containerPort, hosts: [], slots: [], backends: new Map() };
      this.routes.set(k, held);
    }
    // By its edge slot when it has one (no configuration load), else by its address.
    const dial = `${backend.slot ?? backend.host}:${backend.port}`;
    held.backends.delete(UNCLAIMED + dial);
    held.backends.set(backend.id, dial);
    void this.ready
      .mark(dial)
      .then(() => this.sync())
      .catch((error: unknown) => this.log(`edge: cannot mark ${dial} ready: ${(error as Error).message}`, 'warn'));
  }

  async drainBackend(serviceId: string, containerPort: number, backendId: string, timeoutMs = 10_000): Promise<void> {
    const k = key(serviceId, containerPort);
    const held = this.routes.get(k);
    const dial = held?.backends.get(backendId);
    if (!held || dial === undefined) return;
    await this.ready.unmark(dial);
    const deadline = Date.now() + timeoutMs;
    if (this.up) {
      // Caddy's health checks take it out (LEAVE_AFTER_MS).
      await sleep(Math.min(LEAVE_AFTER_MS, timeoutMs));
      // Out of the route: wait until the requests Caddy still has in flight to it ended.
      while (this.up && Date.now() < deadline) {
        const inFlight = await this.admin.inFlight().catch(() => new Map<string, number>());
        if ((inFlight.get(dial) ?? 0) === 0) break;
        await sleep(DRAIN_POLL_MS);
      }
    }
    if (held.backends.get(backendId) === dial) held.backends.delete(backendId);
    // A load only when the route changes: an address that was no slot (an instance from before slots).
    await this.sync();
  }

  routedPorts(serviceId: string): number[] {
    const ports: number[] = [];
    for (const route of this.routes.values()) if (route.serviceId === serviceId) ports.push(route.containerPort);
    return ports.sort((a, b) => a - b);
  }

  /**
   * One endpoint per host of the port: https once its certificate is issued, else http, with
   * the certificate's state (probed, remembered a few seconds).
   */
  endpointsOf(serviceId: string, containerPort: number): Promise<Endpoint[]> {
    const k = key(serviceId, containerPort);
    const hosts = this.routes.get(k)?.hosts ?? [];
    return Promise.all(
      hosts.map(async (host): Promise<Endpoint> => {
        const tls = await this.tlsOf(host);
        if (tls.status === 'ISSUED') return { port: this.options.httpsPort, protocol: 'http', host, url: httpsOrigin(host, this.options.httpsPort), tls };
        const port = this.options.httpPort;
        return { port, protocol: 'http', host, url: port === 80 ? `http://${host}` : `http://${host}:${port}`, tls };
      }),
    );
  }

  private async tlsOf(host: string): Promise<TlsState> {
    if (!this.up) return { status: 'PENDING', reason: `the edge is down: ${this.problem ?? 'starting'}` };
    const cached = this.tlsStates.get(host);
    if (cached && cached.until > Date.now()) return cached.state;
    let state: TlsState;
    try {
      this.caRoot ??= await this.admin.rootCertificate();
      // A certificate chains to the internal CA, or to an ACME CA: the public ones, or SLIPWAY_ACME_CA_ROOT's.
      const ca = [this.caRoot, ...(this.options.acme ? [...tls.rootCertificates, this.options.acmeCaRoot ?? ''] : [])].filter((c) => c !== '');
      const probe = await probeTls({ port: this.options.httpsPort, host, ca });
      // No certificate: the ACME server's reason when it refused the last attempt.
      const failure = probe.served === 'none' && this.options.acme ? (await this.acmeFailures()).get(host) : undefined;
      state = tlsState(probe, failure);
    } catch (error) {
      state = { status: 'PENDING', reason: `cannot read the edge's CA: ${(error as Error).message}` };
    }
    this.tlsStates.set(host, { state, until: Date.now() + (state.status === 'ISSUED' ? 60_000 : TLS_RECHECK_MS) });
    return state;
  }

  /** Caddy's reports of refused certificates, read at most once a second. */
  private acmeFailures(): Promise<Map<string, AcmeFailure>> {
    if (!this.failures || this.failures.until <= Date.now()) {
      this.failures = { until: Date.now() + 1000, read: readAcmeFailures(this.options.runDir).catch(() => new Map<string, AcmeFailure>()) };
    }
    return this.failures.read;
  }

  /**
   * Looks at the certificates of the ACME hosts every few seconds; when the set of hosts with
   * an issued one changes, plain http of exactly those redirects to https (docs/edge.md#https).
   */
  private scheduleTlsCheck(): void {
    if (this.closed || this.tlsCheck || !this.options.acme) return;
    this.tlsCheck = setTimeout(() => {
      void this.checkRedirects()
        .catch(() => undefined)
        .finally(() => {
          this.tlsCheck = null;
          this.scheduleTlsCheck();
        });
    }, this.options.tlsCheckMs ?? TLS_RECHECK_MS);
    this.tlsCheck.unref();
  }

  private async checkRedirects(): Promise<void> {
    if (!this.up) return;
    const hosts = acmeHosts(this.wanted());
    const states = await Promise.all(hosts.map(async (host) => [host, await this.tlsOf(host)] as const));
    const issued = new Set(states.filter(([, state]) => redirectsToHttps(state, true)).map(([host]) => host));
    if (issued.size === this.redirected.size && [...issued].every((h) => this.redirected.has(h))) return;
    this.redirected = issued;
    await this.sync();
  }

  async adopted(): Promise<void> {
    for (const held of this.routes.values()) {
      for (const [id, dial] of [...held.backends]) {
        if (!id.startsWith(UNCLAIMED)) continue;
        held.backends.delete(id);
        await this.ready.unmark(dial).catch(() => undefined);
      }
    }
    await this.sync();
  }

  async leaveNetwork(network: string): Promise<void> {
    for (const held of this.routes.values()) if (held.network === network) held.network = undefined;
    await leaveNetwork(this.options.docker, this.options.name, network);
  }

  /** Stops talking to the edge; the edge container keeps running and serving. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    if (this.tlsCheck) clearTimeout(this.tlsCheck);
    await this.chain.catch(() => undefined);
  }

  /** Loads the configuration of the routes held now, after the loads queued before. */
  private sync(): Promise<void> {
    const next = this.chain.then(() => this.push());
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async push(): Promise<void> {
    if (!this.up || this.closed) return;
    const acme = this.options.acme ? { ...this.options.acme, caRoot: this.options.acmeCaRoot !== undefined } : undefined;
    const routes = this.wanted();
    // Only hosts still routed: a deleted service's host is not sent to https.
    const served = new Set(routes.flatMap((r) => r.hosts));
    const config = caddyConfig(routes, acme, { hosts: [...this.redirected].filter((h) => served.has(h)), httpsPort: this.options.httpsPort });
    const text = JSON.stringify(config);
    if (text === this.loaded) return;
    try {
      await this.admin.load(config);
      this.loaded = text;
    } catch (error) {
      this.markDown(`cannot configure the edge: ${(error as Error).message}`);
      throw error;
    }
  }

  private wanted(): CaddyRoute[] {
    return [...this.routes.values()].map((r) => ({
      serviceId: r.serviceId,
      containerPort: r.containerPort,
      hosts: r.hosts,
      upstreams: [...new Set([...r.slots, ...r.backends.values()])],
    }));
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    try {
      const { docker, hostsOf: _hostsOf, log: _log, retryMs: _retryMs, acme: _acme, tlsCheckMs: _tlsCheckMs, ...container } = this.options;
      const outcome = await ensureEdgeContainer({ docker, ...container });
      if (outcome !== 'running') this.log(`edge: container ${container.name} ${outcome} (${container.image})`);
      const running = await this.waitForAdmin();
      this.takeOver(routesOf(running), await this.ready.list());
      // Keep redirecting what the edge redirects until the certificates were looked at again.
      if (this.options.acme && this.redirected.size === 0) this.redirected = new Set(redirectedHostsOf(running));
      for (const network of new Set([...this.routes.values()].map((r) => r.network))) {
        if (network) await joinNetwork(docker, container.name, network);
      }
      this.loaded = JSON.stringify(running);
      this.up = true;
      this.problem = undefined;
      await this.sync();
      this.scheduleTlsCheck();
    } catch (error) {
      this.markDown((error as Error).message);
    }
  }

  /**
   * Routes Caddy runs that Slipway does not hold yet (a restart of Slipway): held as they are,
   * their upstreams marked ready standing for instances until the runtime claims them.
   */
  private takeOver(running: CaddyRoute[], ready: Set<string>): void {
    for (const r of running) {
      const k = key(r.serviceId, r.containerPort);
      if (this.routes.has(k)) continue;
      const backends = new Map(r.upstreams.filter((dial) => ready.has(dial)).map((dial) => [UNCLAIMED + dial, dial]));
      this.routes.set(k, { serviceId: r.serviceId, containerPort: r.containerPort, hosts: r.hosts, slots: r.upstreams, backends });
    }
  }

  private async waitForAdmin(): Promise<unknown> {
    let last: unknown;
    for (let attempt = 0; attempt < 100; attempt++) {
      try {
        return await this.admin.config();
      } catch (error) {
        last = error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    throw new Error(`the edge's admin API did not answer on ${adminSocketPath(this.options.runDir)}: ${(last as Error).message}`);
  }

  private markDown(message: string): void {
    if (this.up || this.problem !== message) this.log(`edge down: ${message}`, 'warn');
    this.up = false;
    this.loaded = null;
    this.problem = message;
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.start();
    }, this.options.retryMs ?? 5000);
    this.retry.unref();
  }
}
