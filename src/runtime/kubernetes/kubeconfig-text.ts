import type { KubeConfig } from '@kubernetes/client-node';

/**
 * A kubeconfig given as text (an environment's own cluster credentials, SPEC §10: a secret).
 * It is loaded on the server, so it may only carry its credentials inline: a file path would
 * read the server's files, an exec or auth-provider plugin would run a command on it.
 * Messages never quote the text (it holds keys and tokens).
 */

/** The Kubernetes client, loaded on first use only: it costs tens of MB of memory. */
async function newKubeConfig(): Promise<KubeConfig> {
  const { KubeConfig: Config } = await import('@kubernetes/client-node');
  return new Config();
}

/** Why the text is not a usable kubeconfig, or null when it is. */
export async function kubeconfigProblem(text: string): Promise<string | null> {
  const config = await newKubeConfig();
  try {
    config.loadFromString(text);
  } catch (error) {
    // YAML errors quote the offending line: only its position is reported.
    const line = (error as { mark?: { line?: number } }).mark?.line;
    return line !== undefined ? `not a valid kubeconfig (YAML error at line ${line + 1})` : 'not a valid kubeconfig (YAML with clusters, users and contexts)';
  }
  const contextName = config.getCurrentContext();
  if (!contextName) return 'the kubeconfig has no current-context';
  const context = config.getContextObject(contextName);
  if (!context) return `the current-context ${contextName} is not among the kubeconfig's contexts`;
  const cluster = config.getCluster(context.cluster);
  if (!cluster?.server) return `the cluster of context ${contextName} is missing or has no server`;
  const user = config.getUser(context.user);
  if (!user) return `the user of context ${contextName} is missing`;
  if (cluster.caFile || user.certFile || user.keyFile) {
    return 'the kubeconfig refers to files: give certificate-authority-data, client-certificate-data and client-key-data inline';
  }
  if (user.exec || user.authProvider) return 'exec and auth-provider credentials are not accepted: use a token or a client certificate';
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
