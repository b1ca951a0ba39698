/**
 * Exit codes of the `slipway` client (one table, so every command answers alike): 2 bad usage
 * (and input the server refused as not valid), 3 refused (409), 4 not found, 5 unauthorized or
 * forbidden, 1 anything else (unreachable server, a deployment that did not succeed).
 */
export const EXIT = {
  OK: 0,
  FAILED: 1,
  USAGE: 2,
  REFUSED: 3,
  NOT_FOUND: 4,
  UNAUTHORIZED: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI reports as one line on stderr, with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    /** The API's error code, when the server refused. */
    readonly code?: string,
    /** More lines under the one-line message (field errors). */
    readonly details: string[] = [],
  ) {
    super(message);
  }
}

export function usageError(message: string): CliError {
  return new CliError(message, EXIT.USAGE);
}

/** The exit code of an HTTP error status (docs/cli.md#errors-and-exit-codes). */
export function exitCodeOfStatus(status: number): ExitCode {
  if (status === 400) return EXIT.USAGE;
  if (status === 401 || status === 403) return EXIT.UNAUTHORIZED;
  if (status === 404) return EXIT.NOT_FOUND;
  if (status === 409) return EXIT.REFUSED;
  return EXIT.FAILED;
}
