import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../../../config.js';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { servedHosts } from '../../../domain/edge-hosts.js';
import type { Store } from '../../../store/store.js';
import { CaddyEdge } from '../caddy-edge.js';

/** The server's Caddy edge (docs/edge.md): host names from the store, its admin socket under the data dir. */
export async function createCaddyEdge(
  edge: Config['edge'],
  dataDir: string,
  docker: Docker,
  store: Pick<Store, 'getService' | 'getEnvironment' | 'getProject'>,
  logger: Logger,
): Promise<CaddyEdge> {
  const acmeCaRoot = edge.acme?.caRootFile ? await readFile(edge.acme.caRootFile, 'utf8') : undefined;
  return new CaddyEdge({
    ...(edge.acme ? { acme: { email: edge.acme.email, directory: edge.acme.directory } } : {}),
    ...(acmeCaRoot !== undefined ? { acmeCaRoot } : {}),
    docker,
    image: edge.image,
    name: edge.container,
    httpPort: edge.httpPort,
    httpsPort: edge.httpsPort,
    runDir: join(dataDir, 'edge'),
    log: (message, level = 'info') => logger[level](message),
    hostsOf: async (serviceId, containerPort) => {
      const service = await store.getService(serviceId);
      const environment = service && (await store.getEnvironment(service.environmentId));
      const project = environment && (await store.getProject(environment.projectId));
      if (!service || !environment || !project) return [];
      const names = { service: service.name, environment: environment.name, project: project.name };
      return servedHosts(names, service.settings.ports, service.settings.domains ?? [], edge.appsDomain)
        .filter((h) => h.containerPort === containerPort)
        .map((h) => h.host);
    },
  });
}
