/**
 * The certificate state of a host on the edge (docs/edge.md#https), and when plain http
 * redirects to https. Pure: the edge adapter supplies what a TLS handshake found and the last
 * failure the ACME server gave for the host.
 */

export interface TlsState {
  status: 'PENDING' | 'ISSUED' | 'ERROR';
  reason?: string;
  /** ISO time the certificate expires. */
  notAfter?: string;
}

/** What a client's TLS handshake naming the host found on the edge's https port. */
export type TlsProbe =
  | { served: 'trusted'; notAfter?: string }
  /** A certificate that does not verify (wrong CA, expired, another name). */
  | { served: 'untrusted'; detail: string }
  /** No certificate for the host yet (or no answer). */
  | { served: 'none'; detail: string };

/** The last time the ACME server refused the host's certificate, as the edge reported it. */
export interface AcmeFailure {
  /** The ACME server's own words (its problem type and detail). */
  error: string;
  /** Which attempt failed, and when the edge tries again, when it said. */
  attempt?: number;
  retryInSeconds?: number;
}

const MAX_REASON = 400;

/** One line, bounded: an error as it can be shown on an endpoint. */
export function shortReason(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_REASON ? `${line.slice(0, MAX_REASON - 1)}…` : line;
}

function retryWords(failure: AcmeFailure): string {
  if (failure.retryInSeconds === undefined) return '; the edge tries again with backoff';
  const s = Math.round(failure.retryInSeconds);
  const wait = s >= 120 ? `${Math.round(s / 60)} min` : `${s} s`;
  return `; the edge tries again in ${wait}${failure.attempt !== undefined ? ` (attempt ${failure.attempt} failed)` : ''}`;
}

/**
 * ISSUED when a trusted certificate is served (whatever failed before: a renewal that fails
 * still leaves a valid certificate); ERROR when an untrusted one is, or when none is and the
 * ACME server refused the last attempt (its reason); PENDING otherwise.
 */
export function tlsState(probe: TlsProbe, failure?: AcmeFailure): TlsState {
  if (probe.served === 'trusted') return { status: 'ISSUED', ...(probe.notAfter ? { notAfter: probe.notAfter } : {}) };
  if (probe.served === 'untrusted') return { status: 'ERROR', reason: shortReason(probe.detail) };
  if (failure) return { status: 'ERROR', reason: shortReason(`the ACME server refused the certificate: ${failure.error}`) + retryWords(failure) };
  return { status: 'PENDING', reason: shortReason(probe.detail) };
}

/**
 * Whether plain http for a host answers with a redirect to https: once its certificate is
 * issued by an ACME server. A certificate of the edge's internal CA is trusted by no client
 * unless told to, so those hosts keep serving plain http (a redirect would only lead browsers
 * to a certificate warning).
 */
export function redirectsToHttps(state: TlsState, fromAcme: boolean): boolean {
  return fromAcme && state.status === 'ISSUED';
}

/** The https URL a plain http request is sent to: same host, the edge's https port, path and query kept by the caller. */
export function httpsOrigin(host: string, httpsPort: number): string {
  return httpsPort === 443 ? `https://${host}` : `https://${host}:${httpsPort}`;
}
