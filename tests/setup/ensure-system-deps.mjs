// Makes sure the system packages the tests need are present before the suite starts:
// installs them with apt-get when running as root, otherwise stops at once with the command.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const needed = [
  { binary: '/usr/bin/chromium', aptPackage: 'chromium', why: 'browser end-to-end tests' },
  // Tests start throwaway clusters of their own (tests/helpers/pg-cluster.ts), never the system one.
  { binary: '/usr/lib/postgresql/15/bin/initdb', aptPackage: 'postgresql', why: 'PostgreSQL store tests' },
  // Cluster tests start their own Redis, HAProxy and nginx on free ports (never the system ones).
  { binary: '/usr/bin/redis-server', aptPackage: 'redis-server', why: 'cluster tests (the bus between nodes)' },
  { binary: '/usr/sbin/haproxy', aptPackage: 'haproxy', why: 'cluster tests through deploy/haproxy.cfg' },
  { binary: '/usr/sbin/nginx', aptPackage: 'nginx', why: 'cluster tests through deploy/nginx.conf' },
];
const missing = needed.filter((n) => !existsSync(n.binary));
if (missing.length === 0) process.exit(0);

const packages = missing.map((m) => m.aptPackage);
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot) {
  console.error(`Missing system packages for the tests: ${missing.map((m) => `${m.aptPackage} (${m.why})`).join(', ')}`);
  console.error(`Install them with:\n  sudo apt-get update && sudo apt-get install -y ${packages.join(' ')}`);
  process.exit(1);
}
console.log(`Installing ${packages.join(' ')} with apt-get for the tests…`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], { stdio: 'inherit', env });
