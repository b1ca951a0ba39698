import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/**
 * One line per request at info, written when it is answered: method, URL, client, status and
 * time ("request completed"). Fastify's own default adds an "incoming request" line before
 * it, which says the same request again; at info that doubled the log writes of every status
 * poll (docs/performance.md, "Store at 10×"). It is still written at debug, for a request
 * that never ends (an event stream until it closes) or to see one arrive.
 */
export class RequestLog extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    if (this.isLogDisabled(request)) return;
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}
