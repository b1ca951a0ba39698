/**
 * The credential part of a git URL (docs/build.md#credentials): the userinfo of
 * `scheme://userinfo@host/…`, which is everything before the last "@" of the authority
 * (`https://u:p@ss@host/r` has the userinfo `u:p@ss`, as URL parsers read it). It is encrypted at
 * rest and masked whole.
 */
export interface UrlUserinfo {
  /** `scheme://` */
  scheme: string;
  userinfo: string;
  /** `host[:port]/path…`, everything after the "@" */
  rest: string;
}

const WITH_USERINFO = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#]*)@(.*)$/s;

/** The URL taken apart around its userinfo; null when it has none (scp-like URLs included). */
export function splitUrlUserinfo(url: string): UrlUserinfo | null {
  const match = WITH_USERINFO.exec(url);
  if (!match) return null;
  return { scheme: match[1]!, userinfo: match[2]!, rest: match[3]! };
}

/** The URL with that userinfo put back (or none, when it is empty). */
export function withUrlUserinfo(parts: Pick<UrlUserinfo, 'scheme' | 'rest'>, userinfo: string): string {
  return userinfo === '' ? `${parts.scheme}${parts.rest}` : `${parts.scheme}${userinfo}@${parts.rest}`;
}
