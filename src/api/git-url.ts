/**
 * Accepted git URL forms (SPEC §6): https:// (and http://), ssh://, scp-like `user@host:path`,
 * file://. The URL is later handed to git as one argument, never through a shell; this check
 * keeps out what git would read as an option or what is not a URL at all.
 */
export function gitUrlProblem(url: string): string | null {
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (/[\s\u0000-\u001f\u007f]/.test(url)) return 'must not contain whitespace or control characters';
  if (url.startsWith('-')) return 'must not start with "-"';
  const scp = /^([A-Za-z0-9._-]+@)?([A-Za-z0-9.-]+):(?!\/\/)([A-Za-z0-9._~/-]+)$/.exec(url);
  if (scp && !url.includes('://')) {
    if (scp[2]!.startsWith('-') || scp[2]!.startsWith('.')) return 'has a bad host';
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
