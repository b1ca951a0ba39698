import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { AddressPolicy } from './address-policy.js';

/** What a receiver answered to one try. */
export interface TryResult {
  /** null: no answer (refused address, connection error, timeout). */
  statusCode: number | null;
  /** Why the try failed, in words; null when it was answered 2xx. Never holds the secret. */
  error: string | null;
}

export interface OutgoingDelivery {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** A receiver's answer body is read up to this size, then dropped: only its status matters. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * POSTs one delivery. Redirects are not followed (a 3xx is a failed try): a receiver cannot
 * send Slipway elsewhere. The name is resolved here and every address it gives is checked
 * against the policy before connecting, so a name that points at this machine or a metadata
 * service later is refused then too.
 */
export function send(delivery: OutgoingDelivery, policy: AddressPolicy, timeoutMs: number): Promise<TryResult> {
  const url = new URL(delivery.url);
  const refusedUrl = policy.refuseUrl(delivery.url);
  if (refusedUrl) return Promise.resolve({ statusCode: null, error: refusedUrl });
  const options: RequestOptions = {
    method: 'POST',
    headers: { ...delivery.headers, 'content-length': String(Buffer.byteLength(delivery.body)) },
    lookup: guardedLookup(url, policy),
    timeout: timeoutMs,
  };
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: TryResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve(result);
    };
    const req = request(url, options, (res) => {
      let seen = 0;
      res.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        if (seen > MAX_ANSWER_BYTES) res.destroy();
      });
      const status = res.statusCode ?? null;
      const answered = (): void =>
        done({ statusCode: status, error: status !== null && status >= 200 && status < 300 ? null : `the receiver answered ${status ?? 'nothing'}` });
      res.on('end', answered);
      res.on('close', answered);
      res.on('error', answered);
    });
    // The socket timeout covers idle time; this covers the whole try.
    const deadline = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) => done({ statusCode: null, error: err.code && !err.message.includes(err.code) ? `${err.code}: ${err.message}` : err.message }));
    req.end(delivery.body);
  });
}

/** dns.lookup, refusing every answer the policy refuses (all addresses are checked, whichever is used). */
function guardedLookup(url: URL, policy: AddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const refused = addresses.map((a) => policy.refuseAddress(url, a.address)).find((r) => r !== null);
      if (refused) return callback(Object.assign(new Error(refused), { code: 'EREFUSED_ADDRESS' }), '', 0);
      // Node asks for every address (options.all) when it tries them in turn; the overloaded
      // callback type then takes the list, which the LookupFunction type does not spell out.
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} resolves to no address`), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  };
}
