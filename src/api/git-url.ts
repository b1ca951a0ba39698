import { MIN_SECRET_LENGTH, type RuntimeKind } from '../domain/index.js';

/** An ssh host git hands to ssh: a DNS name or an address, nothing ssh could read otherwise. */
const SSH_HOST = /^(?:[A-Za-z0-9_][A-Za-z0-9._-]*|\[[0-9A-Fa-f:.]+\])$/;

/** Whether a URL part, percent-decoded, starts with "-" (a malformed escape counts as bad). */
function optionLike(part: string): boolean {
  try {
    return decodeURIComponent(part).startsWith('-');
  } catch {
    return true;
  }
}

/** The credential of an http(s) URL (the password, or a lone user part: a token) is a secret. */
function credentialTooShort(parsed: URL): boolean {
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return false;
  const secret = parsed.password || parsed.username;
  let decoded = secret;
  try {
    decoded = decodeURIComponent(secret);
  } catch {
    // a malformed escape: its raw length decides
  }
  return secret !== '' && decoded.length < MIN_SECRET_LENGTH;
}

/**
 * Accepted git URL forms (docs/build.md#git-urls): https:// (and http://), ssh://, scp-like
 * `user@host:path`, file://. The URL is later handed to git as one argument, never through a shell;
 * this check keeps out what git would read as an option or what is not a URL at all.
 */
export function gitUrlProblem(url: string): string | null {
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (/[\s\u0000-\u001f\u007f]/.test(url)) return 'must not contain whitespace or control characters';
  if (url.startsWith('-')) return 'must not start with "-"';
  // A backslash ends the host for some URL parsers and not for others: one reading only.
  if (url.includes('\\')) return 'must not contain "\\"';
  const scp = /^(?:([A-Za-z0-9._-]+)@)?([A-Za-z0-9.-]+):(?!\/\/)([A-Za-z0-9._~/-]+)$/.exec(url);
  if (scp && !url.includes('://')) {
    // ssh would read a host or user starting with "-" as an option (e.g. -oProxyCommand=…).
    if (scp[2]!.startsWith('-') || scp[2]!.startsWith('.')) return 'has a bad host: it must not start with "-" or "."';
    if (scp[1]?.startsWith('-')) return 'has a bad user: it must not start with "-"';
    return null;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an https://, ssh://, file:// or user@host:path URL';
  }
  switch (parsed.protocol) {
    case 'https:':
    case 'http:':
    case 'ssh:':
      if (!parsed.hostname) return 'must name a host';
      if (credentialTooShort(parsed)) return `a token or password in the URL has at least ${MIN_SECRET_LENGTH} characters (shorter ones cannot be redacted from logs safely)`;
      // ssh (and git before it) would read a host or user starting with "-" as an option.
      if (optionLike(parsed.hostname)) return 'has a bad host: it must not start with "-"';
      if (optionLike(parsed.username)) return 'has a bad user: it must not start with "-"';
      if (parsed.protocol === 'ssh:' && !SSH_HOST.test(parsed.hostname)) return 'has a bad host: letters, digits, ".", "-" and "_" only, or an [IPv6] address';
      if (parsed.pathname === '' || parsed.pathname === '/') return 'must name a repository path';
      return null;
    case 'file:':
      if (parsed.hostname !== '') return 'file:// URLs must be local (file:///path)';
      if (parsed.pathname === '' || parsed.pathname === '/') return 'must name a repository path';
      return null;
    default:
      return `scheme ${parsed.protocol.replace(/:$/, '')} is not supported (https, ssh, file)`;
  }
}

/**
 * file:// clones a directory of the machine Slipway runs on: allowed only for the docker
 * runtime (docs/build.md#git-urls), where that machine is the one running the services.
 */
export function gitUrlRuntimeProblem(url: string, runtime: RuntimeKind): string | null {
  if (runtime !== 'docker' && /^file:\/\//i.test(url)) {
    return `file:// git URLs are allowed only in docker environments, not in ${runtime} ones (they read the Slipway server's own files)`;
  }
  return null;
}
