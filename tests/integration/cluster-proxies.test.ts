/**
 * The proxy configs of deploy/ in front of three nodes, run as shipped (only their listen
 * address and servers replaced): one document's clients land on one node whatever their query
 * string (tokens live there), different documents spread over the nodes, and when a document's
 * node stops, its clients move to another node together and resync — offline edits included.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChildServer } from '../helpers/child-server.js';
import { synced, yClient, type YClient } from '../helpers/clients.js';
import { nodeMetric, useCluster } from '../helpers/cluster-node.js';
import { ProxyServer, nginxSyntaxCheck } from '../helpers/proxy-server.js';
import { waitFor, waitForAsync } from '../helpers/wait.js';

const cluster = useCluster('proxies', 3);
const { nodes } = cluster;
const proxies: ProxyServer[] = [];
const clients: YClient[] = [];

afterAll(async () => {
  for (const c of clients) c.destroy();
  for (const p of proxies) await p.stop();
});

const addresses = (): string[] => nodes.map((n) => new URL(n.httpUrl).host);

function client(proxy: ProxyServer, room: string, token?: string): YClient {
  const c = yClient(proxy.wsUrl, room, token ? { params: { token } } : {});
  clients.push(c);
  return c;
}

/** Open connections on each node (NaN for a node that does not answer). */
async function connectionsPerNode(): Promise<number[]> {
  return Promise.all(nodes.map((n) => nodeMetric(n.httpUrl, 'tandem_connections').catch(() => NaN)));
}

describe('deploy/haproxy.cfg', () => {
  it('is valid as shipped: hashes the path only, on a consistent ring, checks /healthz', () => {
    const shipped = readFileSync(new URL('../../deploy/haproxy.cfg', import.meta.url), 'utf8');
    expect(shipped).toMatch(/^\s*balance uri path-only$/m);
    expect(shipped).toMatch(/^\s*hash-type consistent$/m);
    expect(shipped).toMatch(/^\s*option httpchk GET \/healthz$/m);
    expect(shipped).toMatch(/^\s*timeout tunnel 1h$/m);
  });

  it('keeps one document\'s clients on one node; when it stops, they move together and resync', { timeout: 180_000 }, async () => {
    const proxy = await ProxyServer.start('haproxy', addresses());
    proxies.push(proxy);
    const routed = [client(proxy, 'routed'), client(proxy, 'routed', 'token-a'), client(proxy, 'routed', 'token-b'), client(proxy, 'routed')];
    await Promise.all(routed.map((c) => synced(c)));
    let perNode = await connectionsPerNode();
    expect(perNode.filter((n) => n > 0), `connections per node: ${perNode.join(', ')}`).toEqual([4]);
    const home = perNode.indexOf(4);

    // Other documents spread over the nodes.
    const spread = Array.from({ length: 24 }, (_, i) => client(proxy, `spread-${i}`));
    await Promise.all(spread.map((c) => synced(c)));
    perNode = await connectionsPerNode();
    expect(perNode.filter((n) => n > 0).length, `connections per node: ${perNode.join(', ')}`).toBeGreaterThan(1);
    for (const c of spread) c.destroy();

    (routed[0] as YClient).doc.getText('text').insert(0, 'before ');
    await waitFor(() => routed.every((c) => c.doc.getText('text').toString() === 'before '), 'the document\'s clients to sync');

    const stopped = nodes[home] as ChildServer;
    stopped.process.kill('SIGTERM');
    expect(await stopped.exited).toBe(0);
    // Edits made while no node is reachable merge once they reconnect.
    (routed[1] as YClient).doc.getText('text').insert(0, '[offline]');
    await waitForAsync(async () => {
      const counts = await connectionsPerNode();
      return counts.some((n, i) => i !== home && n === 4);
    }, 'the clients to reconnect, all four on one other node', 60_000);
    await Promise.all(routed.map((c) => synced(c)));
    (routed[3] as YClient).doc.getText('text').insert(0, '[after]');
    const expected = '[after][offline]before ';
    await waitFor(() => routed.every((c) => c.doc.getText('text').toString() === expected), 'the moved clients to resync');
    await cluster.restart(home);
  });
});

describe('deploy/nginx.conf', () => {
  it('passes nginx -t as shipped, hashing $uri (never the query string) on a consistent ring', async () => {
    const shipped = readFileSync(new URL('../../deploy/nginx.conf', import.meta.url), 'utf8');
    expect(shipped).toMatch(/^\s*hash \$uri consistent;$/m);
    expect(shipped).not.toContain('$request_uri');
    expect(await nginxSyntaxCheck(shipped)).toContain('syntax is ok');
  });

  it('keeps one document\'s clients on one node', async () => {
    const proxy = await ProxyServer.start('nginx', addresses());
    proxies.push(proxy);
    const before = await connectionsPerNode();
    const routed = [client(proxy, 'nginx-routed'), client(proxy, 'nginx-routed', 'token-c'), client(proxy, 'nginx-routed', 'token-d')];
    await Promise.all(routed.map((c) => synced(c)));
    const added = (await connectionsPerNode()).map((n, i) => n - (before[i] ?? 0));
    expect(added.filter((n) => n > 0), `connections added per node: ${added.join(', ')}`).toEqual([3]);
    (routed[2] as YClient).doc.getText('text').insert(0, 'through nginx');
    await waitFor(() => routed.every((c) => c.doc.getText('text').toString() === 'through nginx'), 'clients through nginx to sync');
  });
});
