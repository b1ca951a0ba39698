import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a receiver got. */
export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** What the receiver answered. */
  status: number;
}

/**
 * A webhook receiver on 127.0.0.1 for notification tests: records every request and answers
 * with the statuses it is given in turn (then 200).
 */
export class NotificationReceiver {
  readonly received: Received[] = [];
  private constructor(
    private readonly server: Server,
    private readonly answers: number[],
  ) {}

  static async start(answers: number[] = []): Promise<NotificationReceiver> {
    const server = createServer();
    const receiver = new NotificationReceiver(server, [...answers]);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const status = receiver.answers.shift() ?? 200;
        receiver.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'no');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  /** Answers these statuses next, in turn. */
  answer(...statuses: number[]): void {
    this.answers.push(...statuses);
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Whether X-Slipway-Signature-256 is the HMAC-SHA-256 of the body with this secret (as a receiver checks it). */
export function signatureVerifies(received: Received, secret: string): boolean {
  const header = received.headers['x-slipway-signature-256'];
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const expected = createHmac('sha256', secret).update(received.body, 'utf8').digest();
  const given = Buffer.from(header.slice('sha256='.length), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
