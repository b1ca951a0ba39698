import type { KubeConfig } from '@kubernetes/client-node';

/**
 * A kubeconfig given as text (an environment's own cluster credentials,
 * docs/runtimes.md#credentials: a secret). It is loaded on the server, so it may only carry its
 * credentials inline: a file path would read the server's files (and send them to the cluster URL
 * as credentials), an exec or auth-provider plugin would run a command on it. Messages never quote
 * the text (it holds keys and tokens): they name the offending field by its position.
 */

/** The Kubernetes client, loaded on first use only: it costs tens of MB of memory. */
async function newKubeConfig(): Promise<KubeConfig> {
  const { KubeConfig: Config } = await import('@kubernetes/client-node');
  return new Config();
}

/** Fields that name a file on the machine that loads the kubeconfig, by section. */
const FILE_FIELDS = {
  clusters: { entry: 'cluster', fields: ['certificate-authority'] },
  users: { entry: 'user', fields: ['token-file', 'tokenFile', 'client-certificate', 'client-key'] },
} as const;
/** Fields that run code on that machine (their config may name files too, e.g. auth-provider's tokenFile). */
const PLUGIN_FIELDS = ['exec', 'auth-provider'] as const;
/** Values that become HTTP headers: a line break in one makes the HTTP client quote it in its error. */
const HEADER_FIELDS = ['token', 'username', 'password'] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * What is wrong with the parsed document before the client loads it: the client reads
 * `token-file` while loading, so this check must come first. Every entry is checked, not only
 * the current context's: the client loads them all.
 */
function rawProblem(doc: unknown): string | null {
  if (!isRecord(doc)) return 'not a valid kubeconfig (YAML with clusters, users and contexts)';
  // Another kind would be read differently here than by the client: only a Config is a kubeconfig.
  if (doc.kind !== undefined && doc.kind !== 'Config') return 'a kubeconfig has kind Config';
  if (doc.apiVersion !== undefined && doc.apiVersion !== 'v1') return 'a kubeconfig has apiVersion v1';
  for (const [section, { entry, fields }] of Object.entries(FILE_FIELDS)) {
    const items = doc[section];
    if (items === undefined || items === null) continue;
    if (!Array.isArray(items)) return `${section} must be a list`;
    for (const [i, item] of items.entries()) {
      const body: unknown = isRecord(item) ? item[entry] : undefined;
      if (!isRecord(body)) continue;
      const at = `${section}[${i}].${entry}`;
      for (const field of fields) {
        if (body[field] !== undefined) return `${at}.${field} refers to a file, which is not accepted: give the *-data fields (or token) inline`;
      }
      if (section !== 'users') continue;
      for (const field of PLUGIN_FIELDS) {
        if (body[field] !== undefined) return `${at}.${field}: exec and auth-provider credentials are not accepted: use a token or a client certificate`;
      }
      for (const field of HEADER_FIELDS) {
        const value = body[field];
        // eslint-disable-next-line no-control-regex -- control characters are what this refuses
        if (value !== undefined && (typeof value !== 'string' || /[\u0000-\u001f\u007f]/.test(value))) {
          return `${at}.${field} must be a single line of text`;
        }
      }
    }
  }
  return null;
}

/** Why the text is not a usable kubeconfig, or null when it is. */
export async function kubeconfigProblem(text: string): Promise<string | null> {
  const { loadYaml } = await import('@kubernetes/client-node');
  let doc: unknown;
  try {
    // The client's own YAML reader (the one loadFromString uses), without its side effects.
    doc = loadYaml(text);
  } catch (error) {
    // YAML errors quote the offending line: only its position is reported.
    const line = (error as { mark?: { line?: number } }).mark?.line;
    return line !== undefined ? `not a valid kubeconfig (YAML error at line ${line + 1})` : 'not a valid kubeconfig (YAML with clusters, users and contexts)';
  }
  const raw = rawProblem(doc);
  if (raw) return raw;
  const config = await newKubeConfig();
  try {
    config.loadFromString(text);
  } catch (error) {
    // The client's messages say which entry lacks which field; any other might quote a value.
    const message = (error as Error).message;
    return /^(clusters|users|contexts)\[\d+\]\.[\w.]+ is missing$/.test(message) ? `not a valid kubeconfig: ${message}` : 'not a valid kubeconfig (YAML with clusters, users and contexts)';
  }
  const contextName = config.getCurrentContext();
  if (!contextName) return 'the kubeconfig has no current-context';
  const context = config.getContextObject(contextName);
  if (!context) return `the current-context ${contextName} is not among the kubeconfig's contexts`;
  const cluster = config.getCluster(context.cluster);
  if (!cluster?.server) return `the cluster of context ${contextName} is missing or has no server`;
  const user = config.getUser(context.user);
  if (!user) return `the user of context ${contextName} is missing`;
  return null;
}

/** The kubeconfig of that text, checked as kubeconfigProblem checks it. */
export async function loadKubeconfigText(text: string): Promise<KubeConfig> {
  const problem = await kubeconfigProblem(text);
  if (problem) throw new Error(problem);
  const config = await newKubeConfig();
  config.loadFromString(text);
  return config;
}
