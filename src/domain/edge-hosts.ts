import type { PortSetting } from './model.js';

/**
 * The host names the edge serves a service on (docs/edge.md#host-names): one generated name
 * per public http port, `<service>-<environment>-<project>.<apps domain>` (with several public
 * http ports, the port number follows the service name), plus the custom domains of
 * `settings.domains`. A host belongs to one service.
 */

export interface CustomDomain {
  host: string;
  /** The public http port it serves; needed only when the service has several. */
  port?: number;
}

export interface HostNames {
  service: string;
  environment: string;
  project: string;
}

/** A host and the container port behind it. */
export interface ServedHost {
  host: string;
  containerPort: number;
}

function publicHttpPorts(ports: readonly PortSetting[]): number[] {
  return ports.filter((p) => p.public && p.protocol === 'http').map((p) => p.containerPort);
}

/** One DNS label from a name: lower case, anything else than [a-z0-9-] as "-". */
function label(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9-]/g, '-');
}

export function generatedHosts(names: HostNames, ports: readonly PortSetting[], appsDomain: string): ServedHost[] {
  const http = publicHttpPorts(ports);
  return http.map((containerPort) => {
    const service = http.length > 1 ? `${label(names.service)}-${containerPort}` : label(names.service);
    return { host: `${service}-${label(names.environment)}-${label(names.project)}.${appsDomain.toLowerCase()}`, containerPort };
  });
}

/** Generated and custom hosts, per container port. Custom domains whose port is not a public http port are left out. */
export function servedHosts(names: HostNames, ports: readonly PortSetting[], domains: readonly CustomDomain[], appsDomain: string): ServedHost[] {
  const http = publicHttpPorts(ports);
  const custom = domains.flatMap((d) => {
    const port = d.port ?? (http.length === 1 ? http[0] : undefined);
    return port !== undefined && http.includes(port) ? [{ host: d.host.toLowerCase(), containerPort: port }] : [];
  });
  return [...generatedHosts(names, ports, appsDomain), ...custom];
}

const LABEL_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const IPV4_RE = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Why a custom host cannot be served, or null when it can. */
export function customHostProblem(host: string): string | null {
  const h = host.toLowerCase();
  if (h.includes('*')) return 'a wildcard is not a host the edge can serve: name each host';
  if (IPV4_RE.test(h) || h.includes(':') || h.startsWith('[')) return 'an IP address is not a domain: give a DNS name pointing at this server';
  if (h.length > 253) return 'a DNS name has at most 253 characters';
  const labels = h.split('.');
  if (labels.length < 2) return 'a domain has at least two labels, e.g. app.example.com';
  if (!labels.every((l) => LABEL_RE.test(l))) return 'not a valid DNS name: labels of letters, digits and "-", 1 to 63 characters, not starting or ending with "-"';
  if (/^\d+$/.test(labels[labels.length - 1]!)) return 'not a valid DNS name: the last label is not all digits';
  return null;
}

export interface DomainProblem {
  /** Index in settings.domains. */
  index: number;
  field: 'host' | 'port';
  message: string;
  /** A conflict with another service (409), rather than bad input (400). */
  conflict?: boolean;
}

/**
 * What is wrong with a service's custom domains on their own (400): not a DNS name, a
 * wildcard, an IP, a host of the apps domain (those are generated), a host named twice, a
 * port that is not one of its public http ports, or no port when it has several.
 */
export function customDomainProblems(domains: readonly CustomDomain[], ports: readonly PortSetting[], appsDomain: string): DomainProblem[] {
  const problems: DomainProblem[] = [];
  const http = publicHttpPorts(ports);
  const seen = new Set<string>();
  const apps = appsDomain.toLowerCase();
  domains.forEach((d, index) => {
    const host = d.host.toLowerCase();
    const problem = customHostProblem(host);
    if (problem) problems.push({ index, field: 'host', message: problem });
    else if (host === apps || host.endsWith(`.${apps}`)) problems.push({ index, field: 'host', message: `hosts under ${apps} are the generated ones (SLIPWAY_APPS_DOMAIN): use another domain` });
    else if (seen.has(host)) problems.push({ index, field: 'host', message: `${host} is named twice` });
    seen.add(host);
    if (d.port !== undefined && !http.includes(d.port)) problems.push({ index, field: 'port', message: `port ${d.port} is not a public http port of the service` });
    else if (d.port === undefined && http.length !== 1) {
      problems.push({ index, field: 'port', message: http.length === 0 ? 'the service has no public http port to serve on this host' : `the service has several public http ports (${http.join(', ')}): say which one` });
    }
  });
  return problems;
}

/** The custom domains another service already serves (409): a host belongs to one service. */
export function claimedHosts(domains: readonly CustomDomain[], others: ReadonlyArray<{ serviceId: string; hosts: readonly string[] }>): DomainProblem[] {
  const owner = new Map<string, string>();
  for (const other of others) for (const h of other.hosts) owner.set(h.toLowerCase(), other.serviceId);
  return domains.flatMap((d, index) => {
    const by = owner.get(d.host.toLowerCase());
    return by === undefined ? [] : [{ index, field: 'host' as const, message: `${d.host.toLowerCase()} is already served by service ${by}`, conflict: true }];
  });
}
