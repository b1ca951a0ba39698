import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { CliError, EXIT } from './cli-error.js';
import { stagesFromDependsOn } from './compose-stages.js';

/**
 * `slipway import compose`: a Docker Compose file turned into an environment file (pure; the
 * command reads the files and asks git). Mapped: image/build, ports/expose, environment/env_file,
 * named volumes (storage), healthcheck (readiness), command, deploy.replicas and resource limits,
 * well-known database images (database services), depends_on (stages, where Slipway's default
 * stage order does not already honour it: compose-stages.ts). Everything else is reported with
 * its line, never dropped silently.
 */

export interface GitCheckout {
  url: string;
  branch: string;
  /** The compose file's directory, relative to the repository root ("" at the root). */
  directory: string;
}

export interface ComposeInput {
  text: string;
  fileName: string;
  project: string;
  environment: string;
  /** The checkout the compose file sits in, with its remote; null when there is none. */
  git: GitCheckout | null;
  /** Reads an env_file (relative to the compose file); null when it cannot be read. */
  readEnvFile: (path: string) => string | null;
}

export interface Note {
  line: number | null;
  field: string;
  message: string;
}

export interface ComposeResult {
  document: {
    apiVersion: 'slipway/v1';
    kind: 'Environment';
    project: string;
    name: string;
    runtime: 'docker';
    stages?: Array<{ name: string; order: number }>;
    services: Array<Record<string, unknown>>;
  };
  /** Fields not mapped (or mapped with a loss), each with its line. */
  notes: Note[];
}

type Json = Record<string, unknown>;

const DATABASES: Record<string, { engine: 'postgresql' | 'mysql' | 'redis' | 'mongodb'; official: boolean }> = {
  postgres: { engine: 'postgresql', official: true },
  postgresql: { engine: 'postgresql', official: false },
  mysql: { engine: 'mysql', official: true },
  mariadb: { engine: 'mysql', official: false },
  redis: { engine: 'redis', official: true },
  mongo: { engine: 'mongodb', official: true },
  mongodb: { engine: 'mongodb', official: false },
};

/** The service keys this mapping reads; any other key is reported. */
const MAPPED = new Set(['image', 'build', 'ports', 'expose', 'environment', 'env_file', 'volumes', 'depends_on', 'healthcheck', 'command', 'deploy']);

const SECRET_KEY = /PASSWORD|SECRET|TOKEN|PRIVATE|_KEY$|^KEY$/i;

/** A Compose service name as a DNS label. */
export function serviceName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63) || 'service';
}

/** `name[:tag][@digest]` → name and tag (the registry host may carry a port). */
export function splitImage(ref: string): { name: string; tag: string } {
  const noDigest = ref.split('@')[0]!;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  if (colon > slash) return { name: noDigest.slice(0, colon), tag: noDigest.slice(colon + 1) };
  return { name: noDigest, tag: 'latest' };
}

/** The last path component of an image name, for recognising databases (`docker.io/library/postgres`). */
function baseName(name: string): string {
  return name.split('/').pop()!.toLowerCase();
}

/** Compose durations: `1m30s`, `10s`, `500ms`, → whole seconds (at least 1 where asked). */
export function seconds(value: unknown): number | null {
  if (typeof value === 'number') return Math.round(value);
  if (typeof value !== 'string') return null;
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s|us|ns)/g;
  let total = 0;
  let matched = false;
  for (const m of value.matchAll(re)) {
    matched = true;
    const n = Number(m[1]);
    total += m[2] === 'h' ? n * 3600 : m[2] === 'm' ? n * 60 : m[2] === 's' ? n : m[2] === 'ms' ? n / 1000 : 0;
  }
  return matched ? Math.round(total) : null;
}

/** Memory as Compose writes it (`512m`, `1g`, `1024M`, bytes) → MiB. */
export function megabytes(value: unknown): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgb]?)b?$/i.exec(String(value).trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2]!.toLowerCase();
  const mb = unit === 'g' ? n * 1024 : unit === 'm' ? n : unit === 'k' ? n / 1024 : n / (1024 * 1024);
  return Math.max(16, Math.round(mb));
}

/** A shell-like split of a command string (quotes kept together; no expansion). */
export function splitCommand(text: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const m of text.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}

function envEntries(value: unknown): Array<[string, string | null]> {
  if (Array.isArray(value)) {
    return value.map((item) => {
      const text = String(item);
      const eq = text.indexOf('=');
      return eq < 0 ? [text, null] : [text.slice(0, eq), text.slice(eq + 1)];
    });
  }
  if (value && typeof value === 'object') {
    return Object.entries(value as Json).map(([k, v]) => [k, v === null || v === undefined ? null : String(v)]);
  }
  return [];
}

export function parseEnvFile(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    let value = line.slice(eq + 1).trim();
    if (/^(['"]).*\1$/.test(value)) value = value.slice(1, -1);
    out.push([line.slice(0, eq).replace(/^export\s+/, '').trim(), value]);
  }
  return out;
}

/** `8080:80`, `127.0.0.1:8080:80/tcp`, `80`, `{ target, published }` → the container port and whether it was published. */
export function parsePort(value: unknown): { containerPort: number; published: boolean; hostPort: string | null } | null {
  if (value && typeof value === 'object') {
    const p = value as Json;
    const target = Number(p.target);
    if (!Number.isInteger(target)) return null;
    return { containerPort: target, published: p.published !== undefined, hostPort: p.published === undefined ? null : String(p.published) };
  }
  const text = String(value).split('/')[0]!;
  const parts = text.split(':');
  const target = Number(parts[parts.length - 1]!.split('-')[0]);
  if (!Number.isInteger(target) || target < 1 || target > 65535) return null;
  return { containerPort: target, published: parts.length > 1, hostPort: parts.length > 1 ? parts[parts.length - 2]! : null };
}

/** A healthcheck test → a readiness probe: curl/wget of localhost is an http probe, anything else exec. */
export function probeOf(healthcheck: Json): Json | null {
  const test = healthcheck.test;
  if (healthcheck.disable === true) return null;
  let argv: string[];
  if (typeof test === 'string') argv = ['sh', '-c', test];
  else if (Array.isArray(test) && test[0] === 'NONE') return null;
  else if (Array.isArray(test) && test[0] === 'CMD-SHELL') argv = ['sh', '-c', test.slice(1).join(' ')];
  else if (Array.isArray(test) && test[0] === 'CMD') argv = test.slice(1).map(String);
  else if (Array.isArray(test)) argv = test.map(String);
  else return null;
  const timing: Json = {};
  const period = seconds(healthcheck.interval);
  const timeout = seconds(healthcheck.timeout);
  const start = seconds(healthcheck.start_period);
  if (period !== null) timing.periodSeconds = Math.max(1, period);
  if (timeout !== null) timing.timeoutSeconds = Math.max(1, timeout);
  if (start !== null) timing.initialDelaySeconds = start;
  if (typeof healthcheck.retries === 'number') timing.failureThreshold = Math.max(1, healthcheck.retries);
  const joined = argv.join(' ');
  const http = /\b(?:curl|wget)\b.*?https?:\/\/(?:localhost|127\.0\.0\.1)(?::(\d+))?(\/[^\s'"|;&]*)?/.exec(joined);
  if (http) return { type: 'http', path: http[2] ?? '/', port: Number(http[1] ?? 80), ...timing };
  return { type: 'exec', command: argv, ...timing };
}

/** The line of a field: its key's line in a map (not its value's), its item's in a list. */
function lineFinder(doc: Document, lines: LineCounter) {
  const lineAt = (node: unknown): number | null => {
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    return range ? lines.linePos(range[0]).line : null;
  };
  return (path: Array<string | number>): number | null => {
    for (let n = path.length; n > 0; n--) {
      const parent = n === 1 ? doc.contents : doc.getIn(path.slice(0, n - 1), true);
      const last = path[n - 1];
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(last));
        const line = pair ? lineAt(pair.key) : null;
        if (line !== null) return line;
      } else if (isSeq(parent) && typeof last === 'number') {
        const line = lineAt(parent.items[last]);
        if (line !== null) return line;
      }
    }
    return null;
  };
}

/**
 * depends_on: each service moved to a stage after what it depends on, where the default stages do
 * not already order them (the services get their `stage`); answers the stages to add.
 */
function dependsOnStages(
  composeServices: Record<string, Json>,
  kinds: ReadonlyMap<string, string>,
  services: Array<Record<string, unknown>>,
  note: (path: Array<string | number>, message: string) => void,
): Array<{ name: string; order: number }> {
  const dependsOn = new Map<string, string[]>();
  for (const [composeName, svc] of Object.entries(composeServices)) {
    const deps = Array.isArray(svc?.depends_on) ? svc.depends_on.map(String) : Object.keys((svc?.depends_on ?? {}) as Json);
    dependsOn.set(composeName, deps);
    const conditions = svc?.depends_on && !Array.isArray(svc.depends_on) ? Object.values(svc.depends_on as Json) : [];
    if (conditions.some((c) => (c as Json | null)?.condition === 'service_completed_successfully')) {
      note(['services', composeName, 'depends_on'], 'service_completed_successfully: a one-off task is a lifecycle job in Slipway; it was imported as a container');
    }
  }
  const planned = stagesFromDependsOn(kinds, dependsOn);
  for (const name of planned.cycle) note(['services', name, 'depends_on'], 'part of a depends_on cycle: no order satisfies it, left in its default stage');
  for (const [composeName, stage] of planned.stageOf) {
    const index = services.findIndex((s) => s.name === serviceName(composeName));
    if (index < 0) continue;
    // Written right after the type, where a reader of the file looks for it.
    const { name, type, ...rest } = services[index]!;
    services[index] = { name, type, stage, ...rest };
  }
  return planned.stages;
}

export function composeToEnvironment(input: ComposeInput): ComposeResult {
  const lines = new LineCounter();
  const doc = parseDocument(input.text, { lineCounter: lines, prettyErrors: false });
  const first = doc.errors[0];
  if (first) throw new CliError(`${input.fileName}:${lines.linePos(first.pos[0]).line}: ${first.message.split('\n')[0]}`, EXIT.USAGE, 'INVALID_FILE');
  const lineOf = lineFinder(doc, lines);
  const compose = (doc.toJS() ?? {}) as Json;
  const notes: Note[] = [];
  const note = (path: Array<string | number>, message: string) => notes.push({ line: lineOf(path), field: path.join('.'), message });

  for (const key of Object.keys(compose)) {
    if (key === 'services' || key === 'version' || key === 'name') continue;
    if (key === 'volumes') continue; // named volumes are declared here; their use is mapped per service
    note([key], key === 'networks' ? 'not mapped: every service of an environment shares one network' : 'not mapped');
  }
  const composeServices = (compose.services ?? {}) as Record<string, Json>;
  if (typeof composeServices !== 'object' || Object.keys(composeServices).length === 0) {
    throw new CliError(`${input.fileName} has no services`, EXIT.USAGE, 'INVALID_FILE');
  }

  const kinds = new Map<string, string>();
  const services: Array<Record<string, unknown>> = [];
  for (const [composeName, svc] of Object.entries(composeServices)) {
    const at = (...rest: Array<string | number>) => ['services', composeName, ...rest];
    const name = serviceName(composeName);
    if (name !== composeName) note(at(), `named ${name} (a service name is a DNS label)`);
    for (const key of Object.keys(svc ?? {})) if (!MAPPED.has(key)) note(at(key), 'not mapped');

    const env: Array<{ key: string; value: string; secret?: boolean }> = [];
    const envFiles = svc.env_file === undefined ? [] : Array.isArray(svc.env_file) ? svc.env_file : [svc.env_file];
    envFiles.forEach((entry, i) => {
      const path = typeof entry === 'string' ? entry : String((entry as Json).path);
      const text = input.readEnvFile(path);
      if (text === null) {
        note(at('env_file', ...(Array.isArray(svc.env_file) ? [i] : [])), `${path} cannot be read: its variables are not imported`);
        return;
      }
      for (const [key, value] of parseEnvFile(text)) env.push({ key, value });
    });
    for (const [key, value] of envEntries(svc.environment)) {
      if (value === null) {
        note(at('environment', key), `${key} takes its value from the shell running compose: written as \${${key}}, set it when you apply`);
        env.push({ key, value: `\${${key}}` });
        continue;
      }
      if (/\$\{[^}]*[:?-][^}]*\}/.test(value)) note(at('environment', key), `${key} uses a Compose default/required form (\${VAR:-x}); Slipway substitutes \${VAR} only`);
      const existing = env.findIndex((e) => e.key === key);
      if (existing >= 0) env.splice(existing, 1);
      env.push({ key, value });
    }
    for (const e of env) if (SECRET_KEY.test(e.key) && (e.value.length >= 4 || e.value.startsWith('${'))) e.secret = true;

    const image = typeof svc.image === 'string' ? splitImage(svc.image) : null;
    const database = image && !svc.build ? DATABASES[baseName(image.name)] : undefined;
    const settings: Json = {};
    let service: Record<string, unknown>;

    if (database) {
      // The database's own env carries its credentials by the official images' conventions.
      const source: Json = { engine: database.engine, version: image!.tag };
      if (!database.official || image!.name.includes('/')) source.image = image;
      service = { name, type: 'database', source };
      if (svc.ports) note(at('ports'), 'a database is reached by the other services on its own port; not published');
      if (svc.volumes) note(at('volumes'), 'a database keeps its data in the volume Slipway gives it (storageGb); these volumes are not mapped');
    } else if (svc.build !== undefined) {
      const build = typeof svc.build === 'string' ? { context: svc.build } : (svc.build as Json);
      if (!input.git) {
        throw new CliError(
          `${input.fileName}:${lineOf(at('build'))}: ${composeName} is built from source, which Slipway builds from a git repository: run the import inside a git checkout that has a remote (or give the service an image)`,
          EXIT.USAGE,
          'NOT_IN_GIT',
        );
      }
      const context = String(build.context ?? '.');
      const root = `/${[input.git.directory, context].filter((p) => p !== '' && p !== '.').join('/')}`.replace(/\/\.\//g, '/').replace(/\/\.?$/, '') || '/';
      service = {
        name,
        type: 'application',
        source: { git: { url: input.git.url, branch: input.git.branch, rootPath: root, dockerfilePath: String(build.dockerfile ?? 'Dockerfile') } },
      };
      for (const key of Object.keys(build)) if (key !== 'context' && key !== 'dockerfile') note(at('build', key), 'not mapped');
      if (image) note(at('image'), 'the image is built from the git repository; this name is not used');
    } else if (image) {
      service = { name, type: 'container', source: { image } };
    } else {
      note(at(), 'has neither image nor build: not imported');
      continue;
    }
    kinds.set(composeName, String(service.type));

    if (service.type !== 'database') {
      const ports: Json[] = [];
      (Array.isArray(svc.ports) ? svc.ports : []).forEach((p, i) => {
        const parsed = parsePort(p);
        if (!parsed) return note(at('ports', i), 'not a port Slipway understands');
        if (ports.some((x) => x.containerPort === parsed.containerPort)) return;
        ports.push({ containerPort: parsed.containerPort, public: parsed.published, protocol: 'http' });
        if (parsed.hostPort) note(at('ports', i), `host port ${parsed.hostPort} not kept: a public port is served through Slipway's edge`);
      });
      (Array.isArray(svc.expose) ? svc.expose : []).forEach((p) => {
        const port = Number(String(p).split('/')[0]);
        if (Number.isInteger(port) && !ports.some((x) => x.containerPort === port)) ports.push({ containerPort: port, public: false, protocol: 'http' });
      });
      if (ports.length > 0) settings.ports = ports;

      const storage: Json[] = [];
      (Array.isArray(svc.volumes) ? svc.volumes : []).forEach((v, i) => {
        const spec = typeof v === 'string' ? v : `${String((v as Json).source ?? '')}:${String((v as Json).target ?? '')}`;
        const [source, target] = spec.split(':');
        const named = source && target && !/^[./~]/.test(source) && (typeof v === 'string' || (v as Json).type !== 'bind');
        if (named && target?.startsWith('/')) storage.push({ mountPath: target, sizeGb: 1 });
        else note(at('volumes', i), 'a bind mount or anonymous volume: not mapped (a named volume becomes storage)');
      });
      if (storage.length > 0) {
        settings.storage = storage;
        note(at('volumes'), 'named volumes become storage of 1 GB each: adjust sizeGb');
      }

      if (svc.healthcheck && typeof svc.healthcheck === 'object') {
        const probe = probeOf(svc.healthcheck as Json);
        if (probe) settings.healthchecks = { readiness: probe };
      }
      if (svc.command !== undefined) {
        settings.command = Array.isArray(svc.command) ? svc.command.map(String) : splitCommand(String(svc.command));
      }
    } else {
      if (svc.healthcheck) note(at('healthcheck'), 'a database gets the readiness check of its engine');
      if (svc.command !== undefined) note(at('command'), 'a database runs its engine\'s command; not mapped');
    }

    const deploy = (svc.deploy ?? {}) as Json;
    for (const key of Object.keys(deploy)) if (key !== 'replicas' && key !== 'resources') note(at('deploy', key), 'not mapped');
    if (typeof deploy.replicas === 'number' && service.type !== 'database') settings.instances = Math.max(1, deploy.replicas);
    const limits = ((deploy.resources as Json | undefined)?.limits ?? {}) as Json;
    if (limits.cpus !== undefined) settings.cpu = Math.max(10, Math.round(Number(limits.cpus) * 1000));
    if (limits.memory !== undefined) {
      const mb = megabytes(limits.memory);
      if (mb !== null) settings.memoryMb = mb;
    }
    if (env.length > 0) settings.env = env;
    if (Object.keys(settings).length > 0) service.settings = settings;
    services.push(service);
  }

  const stages = dependsOnStages(composeServices, kinds, services, note);
  return {
    document: {
      apiVersion: 'slipway/v1',
      kind: 'Environment',
      project: input.project,
      name: input.environment,
      runtime: 'docker',
      ...(stages.length > 0 ? { stages } : {}),
      services,
    },
    notes: notes.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
  };
}
