/** The Docker files, checked as far as this machine allows: no Docker engine runs here, Debian's docker-compose validates. */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
