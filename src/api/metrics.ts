import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import type { ServiceUsageNow } from '../engine/control-plane.js';

/**
 * Prometheus metrics of one server: its own registry, so several servers (tests) never clash.
 * `usage`: every service's CPU and memory at Slipway's last sampling (docs/api.md#metrics).
 */
export function installMetrics(app: FastifyInstance, usage: () => ServiceUsageNow[] = () => []): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'slipway_' });
  const labelNames = ['method', 'route', 'status_code'] as const;
  const requests = new Counter({
    name: 'slipway_http_requests_total',
    help: 'HTTP requests answered, by route pattern and status',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'slipway_http_request_duration_seconds',
    help: 'HTTP request duration, by route pattern and status',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  // Set at each scrape from the last sampling: a service no longer sampled (stopped) disappears.
  const serviceLabels = ['project', 'environment', 'service'] as const;
  const labelsOf = (u: ServiceUsageNow) => ({ project: u.projectName, environment: u.environmentName, service: u.serviceName });
  new Gauge({
    name: 'slipway_service_cpu_percent',
    help: 'CPU of a service\'s instances at the last sampling, in percent of one core, summed',
    labelNames: serviceLabels,
    registers: [registry],
    collect() {
      this.reset();
      for (const u of usage()) this.set(labelsOf(u), u.cpuPercent);
    },
  });
  new Gauge({
    name: 'slipway_service_memory_bytes',
    help: 'Memory of a service\'s instances at the last sampling, in bytes, summed',
    labelNames: serviceLabels,
    registers: [registry],
    collect() {
      this.reset();
      for (const u of usage()) this.set(labelsOf(u), u.memoryBytes);
    },
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL: ids would make the label set unbounded.
    const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
    const labels = { method: request.method, route, status_code: String(reply.statusCode) };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
  });
  return registry;
}
