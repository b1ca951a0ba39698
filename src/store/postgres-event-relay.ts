import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { EventRelay, SlipwayEvent } from '../engine/events.js';

const CHANNEL = 'slipway_events';
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
const MAX_PAYLOAD = 7900;

interface Envelope {
  from: string;
  event: SlipwayEvent;
}

/**
 * Relays events between Slipway processes sharing one PostgreSQL database with LISTEN/NOTIFY.
 * Delivery is best effort, like the event stream itself: a client that must not miss a
 * status reads it back from the API. An event too large for NOTIFY is not relayed.
 */
export class PostgresEventRelay implements EventRelay {
  private readonly processId = randomUUID();
  private readonly pool: pg.Pool;
  private listener: pg.Client | undefined;
  private closed = false;

  constructor(
    private readonly connectionString: string,
    private readonly onError: (message: string) => void = () => undefined,
  ) {
    this.pool = new pg.Pool({ connectionString, max: 2 });
    this.pool.on('error', (err) => this.onError(`event relay: ${err.message}`));
  }

  send(event: SlipwayEvent): void {
    const payload = JSON.stringify({ from: this.processId, event } satisfies Envelope);
    if (Buffer.byteLength(payload) >= MAX_PAYLOAD) {
      this.onError(`event relay: a ${event.type} event is too large to relay (${payload.length} bytes)`);
      return;
    }
    this.pool.query('SELECT pg_notify($1, $2)', [CHANNEL, payload]).catch((err: Error) => this.onError(`event relay: ${err.message}`));
  }

  async start(receive: (event: SlipwayEvent) => void): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString });
    client.on('notification', (message) => {
      if (message.channel !== CHANNEL || !message.payload) return;
      const envelope = JSON.parse(message.payload) as Envelope;
      if (envelope.from !== this.processId) receive(envelope.event);
    });
    client.on('error', (err) => {
      this.onError(`event relay: ${err.message}; listening again in a second`);
      void client.end().catch(() => undefined);
      this.listenAgainSoon(receive);
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.listener = client;
  }

  private listenAgainSoon(receive: (event: SlipwayEvent) => void): void {
    this.listener = undefined;
    if (this.closed) return;
    setTimeout(() => {
      if (this.closed) return;
      this.start(receive).catch((err: Error) => {
        this.onError(`event relay: ${err.message}`);
        this.listenAgainSoon(receive);
      });
    }, 1000).unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.listener?.end().catch(() => undefined);
    await this.pool.end();
  }
}
