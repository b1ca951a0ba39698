/**
 * How one thing the server depends on (the Docker Engine, …) is doing now: what `/readyz`,
 * the console's banner and the log say when it cannot be reached.
 */
export interface DependencyStatus {
  /** e.g. "docker". */
  name: string;
  available: boolean;
  /** Where the server reaches it, e.g. unix:///var/run/docker.sock; never with credentials. */
  address: string;
  /** When unavailable: what failed and how to fix it, in one sentence. */
  message?: string;
}
