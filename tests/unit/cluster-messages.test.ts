import { describe, expect, it } from 'vitest';
import { decodeBusMessage, encodeBusMessage, type BusMessage } from '../../sync-server/cluster/bus-message.js';
import { docKeys } from '../../sync-server/cluster/doc-channel.js';
import { generateNodeId } from '../../sync-server/cluster/node-identity.js';
import { NODE_ID_PATTERN } from '../../sync-server/config.js';

const messages: BusMessage[] = [
  { kind: 'record', node: 'n1', doc: 'notes/ünïcode 協作', seq: 2 ** 40, update: new Uint8Array([1, 2, 3]) },
  { kind: 'recordRef', node: 'n1', doc: 'd', seq: 7 },
  { kind: 'presence', node: 'n-2', doc: 'd', awareness: new Uint8Array([0]) },
  { kind: 'hello', node: 'n', doc: 'd', head: 0, awareness: new Uint8Array([0]) },
  { kind: 'here', node: 'n', doc: 'd', head: 12, awareness: new Uint8Array([1, 5, 1, 2, 123, 125]) },
  { kind: 'bye', node: 'n', doc: 'd' },
  { kind: 'close', node: 'n', doc: 'd', code: 4410, reason: 'document deleted' },
];

describe('messages between nodes', () => {
  it.each(messages)('$kind decodes to what was encoded', (message) => {
    expect(decodeBusMessage(encodeBusMessage(message))).toEqual(message);
  });

  it('refuses truncated bytes, unknown kinds and other versions', () => {
    const bytes = encodeBusMessage(messages[0] as BusMessage);
    for (let end = 0; end < bytes.length; end += 1) expect(decodeBusMessage(bytes.subarray(0, end))).toBeNull();
    expect(decodeBusMessage(new Uint8Array([1, 9, 0, 0]))).toBeNull();
    expect(decodeBusMessage(new Uint8Array([2, ...bytes.subarray(1)]))).toBeNull();
  });

  it('names a document\'s channel and group by a hash tag, whatever the name', () => {
    const long = 'x'.repeat(512);
    const { channel, group } = docKeys(long);
    expect(channel.length).toBeLessThan(60);
    expect(channel.match(/\{[^}]+\}/)?.[0]).toBe(group.match(/\{[^}]+\}/)?.[0]);
    expect(docKeys('a').channel).not.toBe(docKeys('b').channel);
    expect(docKeys('}{').channel).toMatch(/^tandem:\{[A-Za-z0-9_-]+\}:updates$/);
  });

  it('generates node ids that are valid and differ', () => {
    const a = generateNodeId('web-1.example.com');
    expect(a).toMatch(NODE_ID_PATTERN);
    expect(a).toMatch(/^web-1\.example\.com-[0-9a-f]{6}$/);
    expect(generateNodeId('web-1')).not.toBe(generateNodeId('web-1'));
    expect(generateNodeId('***')).toMatch(/^node-[0-9a-f]{6}$/);
  });
});
