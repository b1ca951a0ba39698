import type { Environment, Project, RuntimeKind, Service } from '../domain/index.js';
import type { Runtime, ServiceTarget } from '../runtime/runtime.js';
import type { Store } from '../store/store.js';
import { serviceTarget } from './service-target.js';

/** Finds the runtime an environment runs on, and a service's target on it. */
export class RuntimeResolver {
  constructor(
    private readonly store: Store,
    private readonly runtimes: Partial<Record<RuntimeKind, Runtime>>,
  ) {}

  all(): Runtime[] {
    return Object.values(this.runtimes).filter((r): r is Runtime => r !== undefined);
  }

  forEnvironment(environment: Environment): Runtime {
    const runtime = this.runtimes[environment.runtime];
    if (!runtime || runtime.serves?.(environment) === false) {
      throw new Error(`the ${environment.runtime} runtime is not configured on this Slipway server`);
    }
    return runtime;
  }

  async forService(
    serviceId: string,
  ): Promise<{ runtime: Runtime; target: ServiceTarget; projectId: string; service: Service; project: Project; environment: Environment } | undefined> {
    const service = await this.store.getService(serviceId);
    if (!service) return undefined;
    const environment = await this.store.getEnvironment(service.environmentId);
    if (!environment) return undefined;
    const project = await this.store.getProject(environment.projectId);
    const runtime = this.runtimes[environment.runtime];
    if (!project || !runtime || runtime.serves?.(environment) === false) return undefined;
    return { runtime, target: serviceTarget(project, environment, service), projectId: project.id, service, project, environment };
  }
}
