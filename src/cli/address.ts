import { usageError } from './cli-error.js';

/**
 * What a user names on the command line: an id (a UUID) or a path of names, `PROJECT`,
 * `PROJECT/ENV` or `PROJECT/ENV/SERVICE`. Parsing is pure; resolve.ts turns it into ids.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export type Address =
  | { kind: 'id'; id: string }
  | { kind: 'project'; project: string }
  | { kind: 'environment'; project: string; environment: string }
  | { kind: 'service'; project: string; environment: string; service: string };

export type AddressKind = Exclude<Address['kind'], 'id'>;

export function parseAddress(text: string): Address {
  const trimmed = text.trim();
  if (UUID.test(trimmed)) return { kind: 'id', id: trimmed.toLowerCase() };
  const parts = trimmed.split('/');
  if (parts.length > 3 || parts.some((p) => !LABEL.test(p))) {
    throw usageError(`"${text}" is not an id nor PROJECT, PROJECT/ENV or PROJECT/ENV/SERVICE (names are lower-case DNS labels)`);
  }
  const [project, environment, service] = parts as [string, string?, string?];
  if (service !== undefined && environment !== undefined) return { kind: 'service', project, environment, service };
  if (environment !== undefined) return { kind: 'environment', project, environment };
  return { kind: 'project', project };
}

/** The address, refused when it names a kind the command does not take. */
export function expectAddress(text: string, kinds: readonly AddressKind[], what: string): Address {
  const address = parseAddress(text);
  if (address.kind !== 'id' && !kinds.includes(address.kind)) {
    throw usageError(`${what} is ${kinds.map(shapeOf).join(' or ')} (or an id); got "${text}"`);
  }
  return address;
}

function shapeOf(kind: AddressKind): string {
  return { project: 'PROJECT', environment: 'PROJECT/ENV', service: 'PROJECT/ENV/SERVICE' }[kind];
}
