import { Counter, Histogram, Registry } from 'prom-client';
import { Metrics } from './metrics';

/** The request metrics print exactly what prom-client's own Counter and Histogram print for the same answers. */
describe('Metrics', () => {
  const answers: [string, string | undefined, number, number][] = [
    ['GET', '/v1/devices/:tenantId/:deviceId', 200, 0.0004],
    ['GET', '/v1/devices/:tenantId/:deviceId', 200, 0.001],
    ['GET', '/v1/devices/:tenantId/:deviceId', 200, 0.0031],
    ['GET', '/v1/devices/:tenantId/:deviceId', 404, 0.7],
    ['POST', '/v1/tenants', 201, 3],
    ['GET', undefined, 404, 0.002],
  ];

  async function promClientText(): Promise<string> {
    const registry = new Registry();
    const labelNames = ['method', 'route', 'status'];
    const requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests by method, route and status', labelNames, registers: [registry] });
    const latency = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by method, route and status',
      labelNames,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
    for (const [method, route, status, seconds] of answers) {
      const labels = { method, route: route ?? 'unmatched', status: String(status) };
      requests.inc(labels);
      latency.observe(labels, seconds);
    }
    return registry.metrics();
  }

  const ours = async (metrics: Metrics) => (await metrics.registry.metrics()).split('\n# HELP ').filter((block) => block.startsWith('http_')).map((block) => `# HELP ${block}`);

  it('prints the counts and the histogram as prom-client does', async () => {
    const metrics = new Metrics();
    for (const answer of answers) metrics.record(...answer);
    const expected = (await promClientText()).split('\n# HELP ').map((block, i) => (i === 0 ? block : `# HELP ${block}`));
    const printed = await ours(metrics);
    expect(printed).toHaveLength(2);
    expect(printed.join('\n').trim()).toBe(expected.join('\n').trim());
  });

  it('counts on between scrapes, and prints each series once', async () => {
    const metrics = new Metrics();
    metrics.record('GET', '/health', 200, 0.001);
    await metrics.registry.metrics();
    metrics.record('GET', '/health', 200, 0.001);
    const text = (await ours(metrics)).join('\n');
    expect(text).toMatch(/^http_requests_total\{method="GET",route="\/health",status="200"\} 2$/m);
    expect(text).toMatch(/^http_request_duration_seconds_count\{method="GET",route="\/health",status="200"\} 2$/m);
    expect(text).toMatch(/^http_request_duration_seconds_bucket\{le="0.001",method="GET",route="\/health",status="200"\} 2$/m);
  });

  it('forgets everything when the registry is reset', async () => {
    const metrics = new Metrics();
    metrics.record('GET', '/health', 200, 0.001);
    metrics.registry.resetMetrics();
    expect((await ours(metrics)).join('\n')).not.toContain('route="/health"');
  });
});
