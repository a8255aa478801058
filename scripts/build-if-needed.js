// Builds dist/ when it is missing or older than any source file, so `npm start` works on a fresh clone.
const { statSync, readdirSync, existsSync } = require('node:fs');
const { join } = require('node:path');
const { execSync } = require('node:child_process');

const root = join(__dirname, '..');
const entry = join(root, 'dist/apps/registry/src/main.js');

function newestSource(dir) {
  let newest = 0;
  if (!existsSync(dir)) return newest; // the Docker image holds dist/ only
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

// `npm start` before `npm ci`: one line saying so instead of a failing build (or `npx` fetching one)
if (!existsSync(join(root, 'node_modules', '@nestjs', 'core'))) {
  process.stderr.write(`device-registry: ${join(root, 'node_modules')} is missing: run \`npm ci\` first\n`);
  process.exit(1);
}

const sources = ['apps', 'libs'].map((d) => newestSource(join(root, d)));
const stale = !existsSync(entry) || Math.max(...sources) > statSync(entry).mtimeMs;
if (stale) {
  process.stderr.write('building…\n');
  execSync('npx nest build', { cwd: root, stdio: 'inherit' });
}
