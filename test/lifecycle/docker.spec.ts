/** The Docker files, checked as far as this machine allows: no Docker engine runs here, Debian's docker-compose validates. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const hasCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;
if (!hasCompose) {
  console.warn('docker-compose validation skipped: docker-compose is not installed (apt-get install docker-compose)');
}

describe('docker-compose.yml', () => {
  (hasCompose ? it : it.skip)('validates with docker-compose config -q', () => {
    expect(() => execFileSync('docker-compose', ['-f', join(ROOT, 'docker-compose.yml'), 'config', '-q'], { stdio: 'pipe' })).not.toThrow();
  });

  (hasCompose ? it : it.skip)('runs PostgreSQL with a health check and a volume, and the service waits for it', () => {
    const config = execFileSync('docker-compose', ['-f', join(ROOT, 'docker-compose.yml'), 'config'], { encoding: 'utf8' });
    expect(config).toMatch(/postgres:\n(.|\n)*healthcheck:/);
    expect(config).toMatch(/condition: service_healthy/);
    expect(config).toMatch(/DATABASE_URL: postgres:\/\/registry:/);
    expect(config).toMatch(/postgres-data:\/var\/lib\/postgresql\/data/);
  });

  (hasCompose ? it : it.skip)('publishes the AMQP port of the Hono adapter APIs', () => {
    const config = execFileSync('docker-compose', ['-f', join(ROOT, 'docker-compose.yml'), 'config'], { encoding: 'utf8' });
    expect(config).toMatch(/target: 5672|5672:5672/);
  });

  (hasCompose ? it : it.skip)('the profile "replicas" adds a second registry on the same database and HAProxy in front of both', () => {
    const config = execFileSync('docker-compose', ['-f', join(ROOT, 'docker-compose.yml'), '--profile', 'replicas', 'config'], { encoding: 'utf8' });
    const services = execFileSync('docker-compose', ['-f', join(ROOT, 'docker-compose.yml'), '--profile', 'replicas', 'config', '--services'], { encoding: 'utf8' });
    expect(services.split('\n')).toEqual(expect.arrayContaining(['postgres', 'registry', 'registry-2', 'balancer']));
    expect(config.match(/DATABASE_URL: postgres:\/\/registry:registry@postgres:5432\/registry/g)).toHaveLength(2);
    expect(config).toMatch(/deploy\/haproxy.cfg:\/usr\/local\/etc\/haproxy\/haproxy.cfg/);
    // only with the profile: a plain `docker compose up` is the one registry as before
    expect(config).toMatch(/registry-2:\n(.|\n)*profiles:\n\s*- replicas/);
    expect(config).toMatch(/balancer:\n(.|\n)*profiles:\n\s*- replicas/);
  });
});

describe('deploy/haproxy.cfg', () => {
  const haproxy = ['/usr/sbin/haproxy', '/usr/local/sbin/haproxy'].find((path) => existsSync(path));
  const cfg = readFileSync(join(ROOT, 'deploy/haproxy.cfg'), 'utf8');

  it('health-checks /health and balances over both replicas', () => {
    expect(cfg).toMatch(/option httpchk GET \/health/);
    expect(cfg).toMatch(/server registry registry:8080 check/);
    expect(cfg).toMatch(/server registry-2 registry-2:8080 check/);
  });

  (haproxy ? it : it.skip)('is valid for haproxy -c', () => {
    expect(() => execFileSync(haproxy!, ['-c', '-f', join(ROOT, 'deploy/haproxy.cfg')], { stdio: 'pipe' })).not.toThrow();
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

  it('builds in a build stage, then runs the built server as the unprivileged node user with a health check', () => {
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/RUN npm ci/);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n.*\/health/m);
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/apps\/registry\/src\/main.js"\]$/m);
    expect(dockerfile).toMatch(/^EXPOSE .*\b5672\b/m);
  });
});
