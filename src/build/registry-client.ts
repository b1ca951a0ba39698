import { DomainError } from '../domain/errors.js';

/**
 * A small client of the Docker Registry HTTP API v2: the tags of a repository (for "Deploy
 * other version" of an image service) and the digest a tag points at (to tell whether a tag
 * moved). Only what Slipway needs; no pushing, no blobs.
 */

export type RegistryErrorCode = 'NOT_FOUND' | 'REGISTRY_UNREACHABLE' | 'REGISTRY_UNAUTHORIZED' | 'REGISTRY_ERROR';

/** NOT_FOUND maps to the API's 404; the others carry what went wrong with the registry. */
export class RegistryError extends DomainError {
  constructor(
    override readonly code: RegistryErrorCode,
    message: string,
  ) {
    super(code, message);
    this.name = 'RegistryError';
  }
}

export interface ImageReference {
  /** host[:port], e.g. registry-1.docker.io or 127.0.0.1:5000 */
  registry: string;
  /** The repository path inside the registry, e.g. library/nginx or slipway-test/app */
  repository: string;
  /** The base URL of the registry API (scheme + host). */
  baseUrl: string;
}

const DOCKER_HUB = 'registry-1.docker.io';

/**
 * Splits `host[:port]/path` the way Docker does: the first component is a registry host when
 * it contains a dot or a colon or is `localhost`; otherwise the name is on Docker Hub, where
 * a single-component name lives under `library/`.
 */
export function parseImageName(imageName: string): ImageReference {
  const name = imageName.trim();
  if (name === '' || /\s/.test(name) || name.includes('@')) {
    throw new RegistryError('NOT_FOUND', `not an image name: "${imageName}"`);
  }
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  const hasHost = slash !== -1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  let registry = hasHost ? first : DOCKER_HUB;
  let repository = hasHost ? name.slice(slash + 1) : name;
  if (registry === 'docker.io' || registry === 'index.docker.io') registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  if (repository === '' || !/^[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*$/.test(repository)) {
    throw new RegistryError('NOT_FOUND', `not an image name: "${imageName}"`);
  }
  return { registry, repository, baseUrl: `${isLocalHost(registry) ? 'http' : 'https'}://${registry}` };
}

/** Registries on the loopback are spoken to over plain http (as Docker does); all others over https. */
function isLocalHost(registry: string): boolean {
  const host = registry.startsWith('[') ? registry.slice(1, registry.indexOf(']')) : registry.split(':')[0]!;
  return host === 'localhost' || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/** Media types a manifest HEAD accepts, so the digest is the one `docker pull` would see. */
const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
].join(', ');

/**
 * Hosts (host[:port]) a registry may send Slipway to for a bearer token besides its own: Docker
 * Hub's realm lives on another host than its registry.
 */
const BUILT_IN_TOKEN_HOSTS: Readonly<Record<string, readonly string[]>> = { [DOCKER_HUB]: ['auth.docker.io'] };

/** At most this many same-host redirects per request. */
const MAX_REDIRECTS = 5;

export interface RegistryClientOptions {
  /**
   * Hosts (host[:port]) any registry may name as its token realm besides its own host
   * (SLIPWAY_REGISTRY_TOKEN_HOSTS): a realm elsewhere is refused, so a registry cannot send
   * Slipway (and the registry credentials) to an arbitrary address.
   */
  tokenHosts?: readonly string[];
  /** Basic credentials for registries that require them (also used to obtain bearer tokens). */
  credentials?: (registry: string) => { username: string; password: string } | undefined;
  /** Per request; default 15 s. */
  timeoutMs?: number;
  /** At most this many pages of tags; default 50 (a runaway Link chain stops there). */
  maxPages?: number;
  /** Tags asked for per page (`n`); default 1000. */
  pageSize?: number;
}

export class RegistryClient {
  /** Bearer tokens by registry + scope, reused until the registry refuses them. */
  private readonly tokens = new Map<string, string>();

  constructor(private readonly options: RegistryClientOptions = {}) {}

  /** Every tag of the repository, in the registry's order, following `Link` pagination. */
  async listTags(imageName: string, signal?: AbortSignal): Promise<string[]> {
    const ref = parseImageName(imageName);
    const tags: string[] = [];
    let url: string | null = `${ref.baseUrl}/v2/${ref.repository}/tags/list?n=${this.options.pageSize ?? 1000}`;
    for (let page = 0; url !== null && page < (this.options.maxPages ?? 50); page++) {
      const response = await this.request(ref, 'GET', url, {}, signal);
      if (response.status === 404) {
        throw new RegistryError('NOT_FOUND', `repository ${ref.registry}/${ref.repository} not found`);
      }
      await this.expectOk(ref, response, 'listing tags');
      const body = (await readJson(ref, response, 'listing tags')) as { tags?: unknown } | null;
      if (body !== null && Array.isArray(body.tags)) {
        for (const tag of body.tags) if (typeof tag === 'string') tags.push(tag);
      }
      url = nextPage(response.headers.get('link'), url);
      // A next page on another host would send Slipway (and the credentials) anywhere.
      if (url !== null && !sameHost(url, ref.baseUrl)) {
        throw new RegistryError('REGISTRY_ERROR', `registry ${ref.registry} sent a next page on another host while listing tags`);
      }
    }
    return tags;
  }

  /** The digest (`sha256:…`) the tag points at now. */
  async manifestDigest(imageName: string, tag: string, signal?: AbortSignal): Promise<string> {
    const ref = parseImageName(imageName);
    const url = `${ref.baseUrl}/v2/${ref.repository}/manifests/${encodeURIComponent(tag)}`;
    let response = await this.request(ref, 'HEAD', url, { accept: MANIFEST_ACCEPT }, signal);
    if (response.status === 404) {
      throw new RegistryError('NOT_FOUND', `image ${ref.registry}/${ref.repository}:${tag} not found`);
    }
    await this.expectOk(ref, response, 'reading the manifest');
    let digest = response.headers.get('docker-content-digest');
    if (digest === null) {
      // Some registries answer HEAD without the header; GET always carries it.
      response = await this.request(ref, 'GET', url, { accept: MANIFEST_ACCEPT }, signal);
      await this.expectOk(ref, response, 'reading the manifest');
      await response.arrayBuffer();
      digest = response.headers.get('docker-content-digest');
    }
    if (digest === null) {
      throw new RegistryError('REGISTRY_ERROR', `registry ${ref.registry} sent no Docker-Content-Digest for ${ref.repository}:${tag}`);
    }
    return digest;
  }

  /** The body is never quoted: what a registry (or whatever it points at) says reaches viewers otherwise. */
  private async expectOk(ref: ImageReference, response: Response, what: string): Promise<void> {
    if (response.ok) return;
    if (!response.bodyUsed) await response.arrayBuffer().catch(() => undefined);
    if (response.status === 401 || response.status === 403) {
      throw new RegistryError('REGISTRY_UNAUTHORIZED', `registry ${ref.registry} refused access to ${ref.repository} (${response.status})`);
    }
    if (response.status >= 300 && response.status < 400) {
      throw new RegistryError('REGISTRY_ERROR', `registry ${ref.registry} answered ${response.status} ${what}: a redirect to another host is not followed`);
    }
    throw new RegistryError('REGISTRY_ERROR', `registry ${ref.registry} answered ${response.status} ${what}`);
  }

  /** One request, with a bearer token obtained and retried once when the registry asks for it. */
  private async request(
    ref: ImageReference,
    method: 'GET' | 'HEAD',
    url: string,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<Response> {
    const scope = `repository:${ref.repository}:pull`;
    const tokenKey = `${ref.registry} ${scope}`;
    const send = async (authorization: string | undefined): Promise<Response> => {
      const all: Record<string, string> = { ...headers };
      if (authorization !== undefined) all.authorization = authorization;
      return this.fetch(ref, url, { method, headers: all }, signal);
    };
    const cached = this.tokens.get(tokenKey);
    let response = await send(cached !== undefined ? `Bearer ${cached}` : this.basicAuth(ref));
    if (response.status !== 401) return response;
    const challenge = response.headers.get('www-authenticate') ?? '';
    await response.arrayBuffer().catch(() => undefined);
    if (/^basic/i.test(challenge)) {
      const basic = this.basicAuth(ref);
      return basic === undefined ? response : send(basic);
    }
    const params = parseChallenge(challenge);
    if (params.realm === undefined) return response;
    this.checkRealm(ref, params.realm);
    const token = await this.fetchToken(ref, params.realm, params.service, params.scope ?? scope, signal);
    this.tokens.set(tokenKey, token);
    response = await send(`Bearer ${token}`);
    return response;
  }

  private async fetchToken(ref: ImageReference, realm: string, service: string | undefined, scope: string, signal: AbortSignal | undefined): Promise<string> {
    const url = new URL(realm);
    if (service !== undefined) url.searchParams.set('service', service);
    url.searchParams.set('scope', scope);
    const basic = this.basicAuth(ref);
    const response = await this.fetch(ref, url.toString(), { headers: basic ? { authorization: basic } : {} }, signal);
    if (!response.ok) {
      await response.arrayBuffer().catch(() => undefined);
      throw new RegistryError('REGISTRY_UNAUTHORIZED', `registry ${ref.registry} refused a token for ${ref.repository} (${response.status})`);
    }
    const body = (await readJson(ref, response, 'giving a token')) as { token?: unknown; access_token?: unknown } | null;
    const token = typeof body?.token === 'string' ? body.token : typeof body?.access_token === 'string' ? body.access_token : undefined;
    if (token === undefined) throw new RegistryError('REGISTRY_ERROR', `registry ${ref.registry} sent a token response without a token`);
    return token;
  }

  /** A token realm on the registry's own host (and port), or on a host allowed by configuration. */
  private checkRealm(ref: ImageReference, realm: string): void {
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new RegistryError('REGISTRY_ERROR', `registry ${ref.registry} named a token realm that is not a URL`);
    }
    const allowed = [...(BUILT_IN_TOKEN_HOSTS[ref.registry] ?? []), ...(this.options.tokenHosts ?? [])].map((h) => h.toLowerCase());
    const httpish = url.protocol === 'https:' || url.protocol === 'http:';
    const listed = allowed.includes(url.host.toLowerCase()) || allowed.includes(hostAndPort(url.href) ?? '');
    if (httpish && (sameHost(url.href, ref.baseUrl) || listed)) return;
    throw new RegistryError(
      'REGISTRY_UNAUTHORIZED',
      `registry ${ref.registry} asks for a token from ${httpish ? url.host : 'a non-http URL'}, another host: allow it in SLIPWAY_REGISTRY_TOKEN_HOSTS if it is the registry's`,
    );
  }

  private basicAuth(ref: ImageReference): string | undefined {
    const creds = this.options.credentials?.(ref.registry);
    return creds ? `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}` : undefined;
  }

  /**
   * fetch with a timeout and the caller's signal; network failures become REGISTRY_UNREACHABLE.
   * Redirects are followed only on the host (and port) of the URL asked for: a registry must not
   * make Slipway request, and show, another address (docs/build.md#credentials). A redirect
   * elsewhere is answered as it came, and refused by expectOk.
   */
  private async fetch(ref: ImageReference, url: string, init: RequestInit, signal: AbortSignal | undefined): Promise<Response> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 15_000);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      let current = url;
      for (let redirects = 0; ; redirects++) {
        const response = await fetch(current, { ...init, redirect: 'manual', signal: combined });
        const location = response.status >= 300 && response.status < 400 ? response.headers.get('location') : null;
        if (location === null || redirects >= MAX_REDIRECTS) return response;
        let next: string;
        try {
          next = new URL(location, current).href;
        } catch {
          return response;
        }
        if (!sameHost(next, url)) return response;
        await response.arrayBuffer().catch(() => undefined);
        current = next;
      }
    } catch (error) {
      if (signal?.aborted) throw signal.reason ?? error;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const detail = timeout.aborted ? 'timed out' : (cause?.code ?? cause?.message ?? (error as Error).message);
      throw new RegistryError('REGISTRY_UNREACHABLE', `registry ${ref.registry} is unreachable (${detail})`);
    }
  }
}

/** `host:port` of an http(s) URL, the port spelled out; undefined for anything else. */
function hostAndPort(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
    return `${parsed.hostname.toLowerCase()}:${parsed.port || (parsed.protocol === 'https:' ? '443' : '80')}`;
  } catch {
    return undefined;
  }
}

/** Whether two http(s) URLs are on the same host and port. */
function sameHost(a: string, b: string): boolean {
  const host = hostAndPort(a);
  return host !== undefined && host === hostAndPort(b);
}

/** The JSON body; a body that is not JSON is the registry's failure (502), not Slipway's (500). */
async function readJson(ref: ImageReference, response: Response, what: string): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    throw new RegistryError('REGISTRY_ERROR', `registry ${ref.registry} answered ${what} with a body that is not JSON`);
  }
}

/** `Bearer realm="…",service="…",scope="…"` → its parameters. */
function parseChallenge(header: string): { realm?: string; service?: string; scope?: string } {
  const out: Record<string, string> = {};
  for (const match of header.matchAll(/(\w+)="([^"]*)"/g)) out[match[1]!] = match[2]!;
  return { realm: out.realm, service: out.service, scope: out.scope };
}

/** The URL of the next page from an RFC 5988 `Link: <…>; rel="next"` header, resolved against the current URL. */
function nextPage(link: string | null, current: string): string | null {
  if (link === null) return null;
  for (const part of link.split(',')) {
    const match = /<([^>]*)>\s*;\s*rel="?next"?/i.exec(part);
    if (match) return new URL(match[1]!, current).toString();
  }
  return null;
}
