import { Injectable } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Metric, MetricValueWithName, Registry } from 'prom-client';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

type Labels = { method: string; route: string; status: string };

/** One (method, route, status): its answers and their latency, as plain numbers. */
class Series {
  count = 0;
  sum = 0;
  /** Answers per bucket (not cumulative); the last one is +Inf. */
  readonly buckets = new Array<number>(LATENCY_BUCKETS.length + 1).fill(0);

  constructor(readonly labels: Labels) {}

  record(seconds: number): void {
    let bucket = 0;
    while (bucket < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[bucket]) bucket++;
    this.buckets[bucket]++;
    this.count++;
    this.sum += seconds;
  }
}

/**
 * `http_request_duration_seconds` as a prom-client registry metric (the registry asks a metric only for `get()`).
 * prom-client's own Histogram validates and hashes the labels on every observation, which cost a device GET
 * about as much as its JSON; this one is filled on the request path with two additions and read per scrape.
 */
class LatencyHistogram {
  readonly name = 'http_request_duration_seconds';
  readonly help = 'HTTP request latency by method, route and status';
  readonly type = 'histogram';
  readonly aggregator = 'sum';

  constructor(private readonly series: Map<string, Series>) {}

  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: MetricValueWithName<string>[] }> {
    const values: MetricValueWithName<string>[] = [];
    for (const { labels, buckets, sum, count } of this.series.values()) {
      let cumulative = 0;
      LATENCY_BUCKETS.forEach((le, i) => {
        cumulative += buckets[i];
        values.push({ metricName: `${this.name}_bucket`, labels: { le, ...labels }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf', ...labels }, value: count });
      values.push({ metricName: `${this.name}_sum`, labels, value: sum });
      values.push({ metricName: `${this.name}_count`, labels, value: count });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  reset(): void {
    this.series.clear();
  }
}

/** Prometheus metrics: process defaults plus request counts and latency by route and status. */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  /** Bounded: methods, routes and statuses are finite sets. */
  private readonly series = new Map<string, Series>();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const series = this.series;
    new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by method, route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
      // counted on the request path in `series`, handed to prom-client when scraped
      collect() {
        this.reset();
        for (const { labels, count } of series.values()) this.inc(labels, count);
      },
    });
    this.registry.registerMetric(new LatencyHistogram(series) as unknown as Metric);
  }

  /** Counts every answer, including the ones fastify gives before a route runs (404, 413, …). */
  instrument(fastify: FastifyInstance): void {
    fastify.addHook('onResponse', (request, reply, done) => {
      this.record(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
  }

  record(method: string, route: string | undefined, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let series = this.series.get(key);
    if (series === undefined) {
      series = new Series({ method, route: route ?? 'unmatched', status: String(status) });
      this.series.set(key, series);
    }
    series.record(seconds);
  }
}
