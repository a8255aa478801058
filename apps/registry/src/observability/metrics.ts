import { Injectable } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** Prometheus metrics: process defaults plus request counts and latency by route and status. */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  /**
   * The series of one (method, route, status): prom-client hashes a labels object on every call, so each
   * series' children are looked up once. Bounded: methods, routes and statuses are finite sets.
   */
  private readonly series = new Map<string, { requests: ReturnType<Counter['labels']>; latency: ReturnType<Histogram['labels']> }>();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Counts every answer, including the ones fastify gives before a route runs (404, 413, …). */
  instrument(fastify: FastifyInstance): void {
    fastify.addHook('onResponse', (request, reply, done) => {
      const method = request.method;
      const route = request.routeOptions.url ?? 'unmatched';
      const status = reply.statusCode;
      const key = `${method} ${status} ${route}`;
      let series = this.series.get(key);
      if (series === undefined) {
        const labels = { method, route, status: String(status) };
        series = { requests: this.requests.labels(labels), latency: this.latency.labels(labels) };
        this.series.set(key, series);
      }
      series.requests.inc();
      series.latency.observe(reply.elapsedTime / 1000);
      done();
    });
  }
}
