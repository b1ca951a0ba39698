import type { Environment, Project, Service } from '../domain/index.js';
import type { EnvironmentTarget, ServiceTarget } from '../runtime/runtime.js';

export function environmentTarget(project: Project, environment: Environment): EnvironmentTarget {
  return {
    projectId: project.id,
    projectName: project.name,
    environmentId: environment.id,
    environmentName: environment.name,
  };
}

export function serviceTarget(project: Project, environment: Environment, service: Service): ServiceTarget {
  return {
    ...environmentTarget(project, environment),
    serviceId: service.id,
    serviceName: service.name,
    serviceType: service.type,
  };
}
