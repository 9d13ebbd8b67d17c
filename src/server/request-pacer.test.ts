import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import { arrivedAt, paceRequests } from './request-pacer.ts';

const SLICE_MS = 10;
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

function harness() {
  let clock = 0;
  const served: string[] = [];
  const handle = paceRequests((request) => served.push(request.url!), SLICE_MS, () => clock);
  const requests = new Map<string, { url: string; socket: { destroyed: boolean } }>();
  const arrival = (url: string) => arrivedAt(requests.get(url) as unknown as IncomingMessage);
  const send = (url: string) => {
    const request = { url, socket: { destroyed: false } };
    requests.set(url, request);
    handle(request as unknown as IncomingMessage, {} as ServerResponse);
  };
  return {
    served,
    send,
    advance: (milliseconds: number) => (clock += milliseconds),
    leave: (url: string) => (requests.get(url)!.socket.destroyed = true),
    arrival,
  };
}

describe('paceRequests', () => {
  it('serves requests at once while the turn is inside its slice', () => {
    const pacer = harness();
    pacer.send('/a');
    pacer.advance(SLICE_MS - 0.001);
    pacer.send('/b');
    assert.deepEqual(pacer.served, ['/a', '/b']);
  });

  it('holds a request that arrives exactly when the slice is used up, and serves it on a later turn', async () => {
    const pacer = harness();
    pacer.send('/a');
    pacer.advance(SLICE_MS);
    pacer.send('/b');
    assert.deepEqual(pacer.served, ['/a']);
    await turn();
    assert.deepEqual(pacer.served, ['/a', '/b']);
  });

  it('keeps arrival order: a request in a fresh slice waits behind those already waiting', async () => {
    const pacer = harness();
    pacer.send('/a');
    pacer.advance(SLICE_MS);
    pacer.send('/b');
    pacer.send('/c');
    await turn();
    pacer.send('/d');
    for (let i = 0; i < 10 && pacer.served.length < 4; i++) await turn();
    assert.deepEqual(pacer.served, ['/a', '/b', '/c', '/d']);
  });

  it('stamps a held request with its arrival, so its duration counts the wait', async () => {
    const pacer = harness();
    pacer.send('/a');
    pacer.advance(SLICE_MS + 5);
    pacer.send('/b');
    pacer.advance(7);
    await turn();
    assert.equal(pacer.arrival('/a'), undefined);
    assert.equal(pacer.arrival('/b'), SLICE_MS + 5);
  });

  it('never holds back a health probe', () => {
    const pacer = harness();
    pacer.send('/a');
    pacer.advance(SLICE_MS);
    pacer.send('/b');
    pacer.send('/healthz');
    pacer.send('/readyz');
    assert.deepEqual(pacer.served, ['/a', '/healthz', '/readyz']);
  });

  it('skips a request whose client left while it waited, and serves the rest', async () => {
    const pacer = harness();
    pacer.send('/a');
    pacer.advance(SLICE_MS);
    pacer.send('/b');
    pacer.send('/c');
    pacer.leave('/b');
    for (let i = 0; i < 10 && pacer.served.length < 2; i++) await turn();
    assert.deepEqual(pacer.served, ['/a', '/c']);
  });

  it('drains a long queue over several turns, losing none', async () => {
    const pacer = harness();
    pacer.send('/first');
    pacer.advance(SLICE_MS);
    for (let i = 0; i < 1_000; i++) pacer.send(`/r${i}`);
    await turn();
    const afterOneTurn = pacer.served.length;
    assert.ok(afterOneTurn > 1 && afterOneTurn < 1_001, `one turn served ${afterOneTurn - 1} of 1,000`);
    for (let i = 0; i < 1_000 && pacer.served.length < 1_001; i++) await turn();
    assert.deepEqual(pacer.served, ['/first', ...Array.from({ length: 1_000 }, (_, i) => `/r${i}`)]);
  });
});
