import { codeSource, isContainerDatabase, isGitSource, type EnvVar, type Service } from './model.js';
import type { DesiredSpec } from './model.js';
import { databaseImage, databaseRuntimeSettings } from './databases.js';

/**
 * The version a Deploy or Redeploy of this service runs (docs/actions.md: the version shown, not
 * necessarily the latest): the version it is pinned to, else the image tag its source names
 * (a database: its image's tag), else for git the commit deployed now. null for a git service
 * never deployed: its branch head is resolved then, once (builds.ts).
 */
export function versionToDeploy(service: Service): string | null {
  if (service.targetVersion) return service.targetVersion;
  if (service.type === 'database') return databaseImage(service.source).tag;
  const source = codeSource(service);
  if (!source) return null;
  return isGitSource(source) ? service.deployedVersion : source.image.tag;
}

/** The image a deploy pulls, before it is resolved to an immutable reference. */
export function imageToPull(service: Service, version: string): { name: string; tag: string } {
  if (service.type === 'database') return { name: databaseImage(service.source).name, tag: version };
  const source = codeSource(service);
  if (source && !isGitSource(source)) return { name: source.image.name, tag: version };
  throw new Error(`service ${service.name} has no image source`);
}

/**
 * The digest the service's deployed version was deployed by, when the registry did not resolve
 * that same tag now (the runtime fell back to `name:tag`). A redeploy during a registry outage
 * then keeps what runs instead of rolling out by tag: whether the tag moved cannot be known.
 */
export function deployedDigestFor(service: Service, image: { name: string; tag: string }, version: string, resolved: string): string | undefined {
  if (resolved !== `${image.name}:${image.tag}` || service.deployedVersion !== version) return undefined;
  const deployed = service.deployedSpec?.rollout?.image;
  return deployed?.startsWith(`${image.name}@`) ? deployed : undefined;
}

/**
 * What the service should run (docs/actions.md): hashed to decide whether a redeploy changes
 * anything. Its env: the injected connections, then the shared variables that reach it
 * (variables.ts), then its own.
 */
export function desiredSpec(service: Service, resolvedImage: string, injectedEnv: Record<string, string> = {}, variables: readonly EnvVar[] = []): DesiredSpec {
  const s = service.settings;
  const env: Record<string, string> = { ...injectedEnv };
  for (const variable of variables) env[variable.key] = variable.value;
  for (const variable of s.env) env[variable.key] = variable.value;
  if (isContainerDatabase(service)) {
    // Driven by the official image's conventions: its port, a volume at its data path, a fitting readiness check.
    const db = databaseRuntimeSettings(service);
    return {
      image: resolvedImage,
      instances: 1,
      cpu: s.cpu,
      memoryMb: s.memoryMb,
      env,
      ports: db.ports,
      healthchecks: { ...s.healthchecks, readiness: db.readiness },
      storage: db.storage,
      command: db.command,
    };
  }
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

/**
 * The keys of desiredSpec's env whose values are secrets: the service's secret variables, the
 * shared secret variables that reach it, and the databases' connections it is given
 * (credentials, a URL with the password), unless a plain variable overrides that key.
 */
export function secretEnvKeys(service: Service, injectedEnv: Record<string, string> = {}, variables: readonly EnvVar[] = []): string[] {
  const secret = new Map<string, boolean>(Object.keys(injectedEnv).map((k) => [k, true]));
  for (const v of variables) secret.set(v.key, v.secret);
  for (const v of service.settings.env) secret.set(v.key, v.secret);
  return [...secret].filter(([, isSecret]) => isSecret).map(([key]) => key).sort();
}

/** The secret values of these services, to keep out of logs. */
export function secretValues(services: readonly Service[]): string[] {
  return services.flatMap((service) => service.settings.env.filter((v) => v.secret).map((v) => v.value));
}
