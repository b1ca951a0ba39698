import { codeSource, isGitSource, type DesiredSpec, type Service } from '../domain/index.js';

/**
 * The version a deploy of this service runs: the version it is pinned to, or else what its
 * source follows (the image tag; for git, the branch head resolved by the build step).
 */
export function versionToDeploy(service: Service): string | null {
  if (service.targetVersion) return service.targetVersion;
  const source = codeSource(service);
  if (!source) return null;
  return isGitSource(source) ? null : source.image.tag;
}

/** The image a deploy pulls, before it is resolved to an immutable reference. */
export function imageToPull(service: Service, version: string): { name: string; tag: string } {
  const source = codeSource(service);
  if (source && !isGitSource(source)) return { name: source.image.name, tag: version };
  throw new Error(`service ${service.name} has no image source`);
}

/** What the service should run (SPEC §4.2): hashed to decide whether a redeploy changes anything. */
export function desiredSpec(service: Service, resolvedImage: string, injectedEnv: Record<string, string> = {}): DesiredSpec {
  const s = service.settings;
  const env: Record<string, string> = { ...injectedEnv };
  for (const variable of s.env) env[variable.key] = variable.value;
  return {
    image: resolvedImage,
    instances: s.instances,
    cpu: s.cpu,
    memoryMb: s.memoryMb,
    env,
    ports: s.ports,
    healthchecks: s.healthchecks,
    storage: s.storage,
    command: s.command,
  };
}

/** The secret values of these services, to keep out of logs. */
export function secretValues(services: readonly Service[]): string[] {
  return services.flatMap((service) => service.settings.env.filter((v) => v.secret).map((v) => v.value));
}
