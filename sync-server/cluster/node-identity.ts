/**
 * A node's name in a cluster: `--node-id`, or the host name with a random suffix — new at every
 * start, so a restarted node is a new node to the others (the old one's presence is gone
 * with it). It appears in logs, `/healthz` and as the `node` label of every metric.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

export function generateNodeId(host = hostname()): string {
  const base = host.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '').slice(0, 48) || 'node';
  return `${base}-${randomBytes(3).toString('hex')}`;
}
