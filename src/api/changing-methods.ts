/** The methods that change something: the audit log records them (audit-log.ts). */
const CHANGES: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function changesSomething(method: string): boolean {
  return CHANGES.has(method);
}
