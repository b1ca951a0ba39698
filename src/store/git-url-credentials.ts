import { isGitSource, isJobSource, splitUrlUserinfo, withUrlUserinfo, type GitSource, type ServiceSource } from '../domain/index.js';
import type { SecretBox } from './secrets.js';

/**
 * Git URL credentials at rest (docs/build.md#credentials): the userinfo of a service's git URL
 * (`https://user:token@host/…`) is encrypted like secret env values; the stored URL keeps
 * the rest, and `sealedUserinfo` beside it holds the ciphertext. A URL stored in clear by an
 * older Slipway still reads as it is (and is sealed at the next start, see sealStoredGitUrls).
 */

/** The git object as stored: the URL without its userinfo, the userinfo sealed. */
type StoredGit = GitSource['git'] & { sealedUserinfo?: string };

/** Binds the ciphertext to its service: copied to another row, it does not decrypt. */
function context(serviceId: string): string {
  return `service:${serviceId}:git-url`;
}

/** Applies f to the git object of a service source (a job's inner source included), if any. */
function mapGit(source: ServiceSource, f: (git: StoredGit) => StoredGit): ServiceSource {
  if (isJobSource(source)) return isGitSource(source.source) ? { ...source, source: { git: f(source.source.git) } } : source;
  return isGitSource(source) ? { git: f(source.git) } : source;
}

/** The source as stored: any userinfo of the git URL sealed. */
export function sealGitUrl(source: ServiceSource, serviceId: string, secrets: SecretBox): ServiceSource {
  return mapGit(source, (git) => {
    const parts = splitUrlUserinfo(git.url);
    if (!parts) return git;
    return { ...git, url: withUrlUserinfo(parts, ''), sealedUserinfo: secrets.encrypt(parts.userinfo, context(serviceId)) };
  });
}

/** The source as the rest of Slipway sees it: the git URL whole again. */
export function unsealGitUrl(source: ServiceSource, serviceId: string, secrets: SecretBox): ServiceSource {
  return mapGit(source, ({ sealedUserinfo, ...git }) => {
    if (sealedUserinfo === undefined) return git;
    const parts = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)(.*)$/s.exec(git.url);
    if (!parts) return git;
    return { ...git, url: withUrlUserinfo({ scheme: parts[1]!, rest: parts[2]! }, secrets.decrypt(sealedUserinfo, context(serviceId))) };
  });
}

/** Whether the stored source holds a git URL with its userinfo in clear (written by an older Slipway). */
export function hasClearGitCredentials(source: ServiceSource): boolean {
  let clear = false;
  mapGit(source, (git) => {
    clear = git.sealedUserinfo === undefined && splitUrlUserinfo(git.url) !== null;
    return git;
  });
  return clear;
}
