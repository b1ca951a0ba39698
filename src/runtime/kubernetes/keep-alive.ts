import https from 'node:https';
import type { KubeConfig, RequestContext } from '@kubernetes/client-node';

/**
 * @kubernetes/client-node makes a new https.Agent for every request, so every read or apply
 * opens a new TCP connection with a TLS handshake (a client certificate's, often): about 13 ms
 * per read on a loaded 2-core machine where a reused connection costs 1 to 2. This hands the
 * client one keep-alive agent instead, made with the TLS options the client chose, and made
 * again when they change (a rotated certificate). Proxy agents are left as the client made them.
 */
export class SharedAgent {
  private agent: https.Agent | undefined;
  private key = '';

  for(made: unknown): unknown {
    if (!(made instanceof https.Agent) || made.constructor !== https.Agent) return made;
    const o = made.options;
    const key = [o.ca, o.cert, o.key, o.pfx, o.passphrase, o.rejectUnauthorized, o.servername].map((v) => (v === undefined ? '' : String(v))).join('\0');
    if (!this.agent || key !== this.key) {
      this.agent = new https.Agent({ ...o, keepAlive: true });
      this.key = key;
    }
    return this.agent;
  }

  /** Closes the idle connections (those in use end with their request). */
  close(): void {
    this.agent?.destroy();
    this.agent = undefined;
  }
}

/**
 * The same kubeconfig for the API clients, its requests sent through one keep-alive agent. The
 * rest (clusters, users, the current context) is read through to `config` itself.
 */
export function keepAliveConfig(config: KubeConfig, shared: SharedAgent): KubeConfig {
  const wrapped = Object.create(config) as KubeConfig;
  wrapped.applySecurityAuthentication = async (context: RequestContext): Promise<void> => {
    await config.applySecurityAuthentication(context);
    context.setAgent(shared.for(context.getAgent()) as https.Agent);
  };
  return wrapped;
}
