/** The Docker files, checked as far as this machine allows: no Docker engine runs here, Debian's docker-compose validates. */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
});
