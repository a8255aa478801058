/** The Docker files, checked as far as this machine allows: no Docker engine runs here, Debian's docker-compose validates. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { itIf } from '../setup/skip';

const ROOT = join(__dirname, '..', '..');
const hasCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;
const itWithCompose = itIf(hasCompose, 'docker-compose is not installed (apt-get install docker-compose)');

describe('docker-compose.yml', () => {
  itWithCompose('validates with docker-compose config -q', () => {
    expect(() => execFileSync('docker-compose', ['-f', join(ROOT, 'docker-compose.yml'), 'config', '-q'], { stdio: 'pipe' })).not.toThrow();
  });

  itWithCompose('runs PostgreSQL with a health check and a volume, and the service waits for it', () => {
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
    expect(dockerfile).toMatch(/^CMD \["node", (?:"--[^"]+", )*"dist\/apps\/registry\/src\/main.js"\]$/m);
    expect(dockerfile).toMatch(/^EXPOSE .*\b5672\b/m);
  });

  it('starts node with the options `npm start` gives it', () => {
    const { start, 'start:prod': startProd } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;
    const options = (command: string) => command.split(' ').filter((word) => word.startsWith('--'));
    expect(options(start)).toContain('--max-semi-space-size=32');
    expect(options(startProd)).toEqual(options(start));
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]) as string[];
    expect(cmd.filter((word) => word.startsWith('--'))).toEqual(options(start));
  });

  it('holds what `npm run cli` runs (scripts/build-if-needed.js, then dist/…/cli.js)', () => {
    const cli = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.cli as string;
    expect(cli).toContain('scripts/build-if-needed.js');
    expect(dockerfile).toMatch(/^COPY --from=build .*\/app\/scripts\/build-if-needed\.js \.\/scripts\/$/m);
    expect(dockerfile).toMatch(/^COPY --from=build .*\/app\/dist \.\/dist$/m);
  });

  it('runs a Node.js LTS the package supports', () => {
    const { engines } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    for (const [, major] of dockerfile.matchAll(/^FROM node:(\d+)-/gm)) {
      expect(Number(major) % 2).toBe(0); // even majors become LTS
      expect(semver.intersects(engines.node, `${major}.x`)).toBe(true);
    }
  });
});

describe('docker-compose.yml', () => {
  itWithCompose('publishes REGISTRY_PORT, and PUBLIC_URL follows it', () => {
    const config = execFileSync('docker-compose', ['-f', join(ROOT, 'docker-compose.yml'), 'config'], {
      encoding: 'utf8',
      env: { ...process.env, REGISTRY_PORT: '9090', PUBLIC_URL: '' },
    });
    expect(config).toMatch(/PORT: '9090'/);
    expect(config).toMatch(/published: 9090\n\s+target: 9090/);
    expect(config).not.toMatch(/localhost:8080/);
  });
});

describe('Node.js versions', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));

  it('the declared range is one every installed package supports (npm ci on it warns of no engine)', () => {
    const narrower: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages as Record<string, { version: string; optional?: boolean; engines?: unknown }>)) {
      const range = typeof entry.engines === 'object' && entry.engines !== null ? (entry.engines as { node?: string }).node : undefined;
      if (path === '' || entry.optional || range === undefined) continue;
      if (!semver.subset(pkg.engines.node, range)) narrower.push(`${path.replace(/^.*node_modules\//, '')}@${entry.version} needs ${range}`);
    }
    expect(narrower).toEqual([]);
  });

  it('the declared range holds no Node.js past its end of life (20 and older)', () => {
    expect(semver.intersects(pkg.engines.node, '<22')).toBe(false);
  });

  it('CI runs on a supported Node.js: .ci/run brings one from the npm registry when the machine has none', () => {
    const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8');
    expect(ci).toMatch(/npm exec --yes --package=node@24/);
  });
});
