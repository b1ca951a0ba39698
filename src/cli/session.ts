import { ApiClient } from './api-client.js';
import { resolveTarget } from './contexts.js';
import { makeOut, type Out } from './output.js';

/** What every command gets: where to print, and (on demand) the API client of the chosen server. */
export interface Session {
  out: Out;
  client(): Promise<ApiClient>;
}

export function makeSession(globals: () => { context?: string }, out: Out = makeOut()): Session {
  let client: ApiClient | undefined;
  return {
    out,
    async client() {
      client ??= new ApiClient(await resolveTarget(globals()));
      return client;
    },
  };
}
