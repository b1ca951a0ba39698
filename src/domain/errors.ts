/**
 * The one error vocabulary of Slipway, from the domain to the HTTP answer: every refusal or
 * failure a layer means to report carries one of these codes, and the API answers it with the
 * status its code has there (src/api/errors.ts).
 */

/** The codes a client reads in an error answer (`{ error: { code, message, details? } }`). */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  /** A known path asked with a method it does not route. */
  'METHOD_NOT_ALLOWED',
  'ACTION_NOT_AVAILABLE',
  'ENVIRONMENT_BUSY',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  /** Too many failed authentications from one address. */
  'RATE_LIMITED',
  'INTERNAL',
  /** A git remote or an image registry Slipway depends on failed. */
  'UPSTREAM_UNAVAILABLE',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * Finer causes a layer names for its own callers (a test, a retry, a fallback), each answered to a
 * client as the code it refines: a client sees CONFLICT whether a name was taken or a status
 * moved on meanwhile. A cause refining INTERNAL is not the client's business: it is answered as
 * an unexpected error, its message kept for the log.
 */
export const ERROR_CAUSES = {
  ILLEGAL_TRANSITION: 'CONFLICT',
  NO_FREE_HOST_PORT: 'INTERNAL',
  GIT_ERROR: 'UPSTREAM_UNAVAILABLE',
  REGISTRY_UNREACHABLE: 'UPSTREAM_UNAVAILABLE',
  REGISTRY_UNAUTHORIZED: 'UPSTREAM_UNAVAILABLE',
  REGISTRY_ERROR: 'UPSTREAM_UNAVAILABLE',
} as const satisfies Record<string, ErrorCode>;

export type ErrorCause = keyof typeof ERROR_CAUSES;

/** The code an error carries: one a client reads, or a finer cause of one. */
export type DomainErrorCode = ErrorCode | ErrorCause;

/** The code a client is answered for an error's code. */
export function answeredCode(code: DomainErrorCode): ErrorCode {
  return code in ERROR_CAUSES ? ERROR_CAUSES[code as ErrorCause] : (code as ErrorCode);
}

/** A refusal or a failure named by its code, thrown alike by the domain, the engine, the store and the API. */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** What a client may read to act on it (the fields that failed, the blocking deployment…). */
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** The message of anything thrown (an Error's message, else the value as text). */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
