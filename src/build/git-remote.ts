/**
 * A git source URL taken apart: the URL git is given (never with credentials in it), the
 * credentials kept aside (passed to git through the environment), and the normal form that
 * webhooks are matched on (docs/actions.md#auto-deploy).
 *
 * Credentials live in the service's git URL as userinfo (`https://user:token@host/…` or
 * `https://token@host/…`), the form the API accepts and masks in every response.
 */

export type GitRemoteKind = 'http' | 'ssh' | 'file';

export interface GitRemote {
  kind: GitRemoteKind;
  /** The URL handed to git: credentials removed. */
  url: string;
  /** HTTP(S) basic credentials from the URL's userinfo, if any. */
  credentials?: { username: string; password: string };
}

const SCP_LIKE = /^(?:([A-Za-z0-9._-]+)@)?([A-Za-z0-9.-]+):(?!\/\/)(.+)$/;

/**
 * ssh reads a host or user starting with "-" as an option (`-oProxyCommand=…` runs a command):
 * checked here too, for URLs stored before the API refused them.
 */
function refuseOptionLike(host: string, user: string): void {
  const decoded = (part: string): string => {
    try {
      return decodeURIComponent(part);
    } catch {
      return '-';
    }
  };
  if (decoded(host).startsWith('-') || decoded(user).startsWith('-')) throw new Error('the git URL has a host or user starting with "-"');
}

export function parseGitRemote(raw: string): GitRemote {
  const scp = raw.includes('://') ? null : SCP_LIKE.exec(raw);
  if (scp) {
    refuseOptionLike(scp[2]!, scp[1] ?? '');
    return { kind: 'ssh', url: raw };
  }
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new Error('the git URL cannot be parsed');
  }
  switch (parsed.protocol) {
    case 'file:':
      return { kind: 'file', url: parsed.href };
    case 'ssh:':
      // `ssh://git@host/…`: the user is a login name, not a secret; ssh keys are never in URLs.
      refuseOptionLike(parsed.hostname, parsed.username);
      return { kind: 'ssh', url: parsed.href };
    case 'http:':
    case 'https:': {
      const username = decodeURIComponent(parsed.username);
      const password = decodeURIComponent(parsed.password);
      parsed.username = '';
      parsed.password = '';
      const remote: GitRemote = { kind: 'http', url: parsed.href };
      if (username || password) remote.credentials = { username, password };
      return remote;
    }
    default:
      throw new Error(`git URL scheme ${parsed.protocol.replace(/:$/, '')} is not supported`);
  }
}

/** The secret parts of a git URL, to keep out of every log line and message. */
export function gitUrlSecrets(raw: string): string[] {
  try {
    const { credentials } = parseGitRemote(raw);
    if (!credentials) return [];
    // `user:token`: the password is the secret; a lone userinfo (`token@host`) is the token itself.
    const secret = credentials.password || credentials.username;
    return secret ? [secret, encodeURIComponent(secret)] : [];
  } catch {
    return [];
  }
}

/** The URL as logs and errors show it: credentials removed. */
export function displayGitUrl(raw: string): string {
  try {
    return parseGitRemote(raw).url;
  } catch {
    return '(unparsable git URL)';
  }
}

/**
 * The form two URLs of one repository share (docs/actions.md#auto-deploy): lower-case scheme and host, no
 * credentials, no default port, no trailing slash, no `.git` suffix; scp-like `user@host:path`
 * is read as `ssh://user@host/path`.
 */
export function normalizeRepositoryUrl(raw: string): string | null {
  const text = raw.trim();
  const scp = text.includes('://') ? null : SCP_LIKE.exec(text);
  let parsed: URL;
  try {
    parsed = new URL(scp ? `ssh://${scp[1] ? `${scp[1]}@` : ''}${scp[2]}/${scp[3]!.replace(/^\/+/, '')}` : text);
  } catch {
    return null;
  }
  const scheme = parsed.protocol.toLowerCase();
  if (scheme === 'http:' || scheme === 'https:') {
    parsed.username = '';
    parsed.password = '';
  } else {
    parsed.password = '';
  }
  const user = parsed.username ? `${parsed.username}@` : '';
  const port = parsed.port ? `:${parsed.port}` : '';
  let path = decodeURIComponent(parsed.pathname).replace(/\/+$/, '');
  if (path.toLowerCase().endsWith('.git')) path = path.slice(0, -4);
  path = path.replace(/\/+$/, '');
  return `${scheme}//${user}${parsed.hostname.toLowerCase()}${port}${path}`;
}
