import { createContext, useContext } from 'react';
import type { SlipwayClient } from './api/client.js';
import type { Role } from './api/types.js';

export interface Session {
  client: SlipwayClient;
  role: Role;
  /** The projects the token is limited to (docs/teams.md#project-limited-tokens); null: every project. */
  projects: readonly string[] | null;
  signOut: () => void;
}

/** Whether the token reaches every project: it may create projects and see the whole audit log. */
export function unlimited(session: Pick<Session, 'projects'>): boolean {
  return session.projects === null;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in console');
  return session;
}

const RANK: Record<Role, number> = { viewer: 0, deployer: 1, admin: 2 };

/** Whether the signed-in role may do what needs `required`. */
export function can(role: Role, required: Role): boolean {
  return RANK[role] >= RANK[required];
}

const STORAGE_KEY = 'slipway.token';

/** The token lives in this tab's session storage: closing the tab signs out. */
export const tokenStore = {
  get: (): string | null => window.sessionStorage.getItem(STORAGE_KEY),
  set: (token: string) => window.sessionStorage.setItem(STORAGE_KEY, token),
  clear: () => window.sessionStorage.removeItem(STORAGE_KEY),
};
