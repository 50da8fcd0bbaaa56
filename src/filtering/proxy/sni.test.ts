import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { describe, it } from 'node:test';
import { parseClientHello } from './sni.ts';

/** The first bytes a real TLS client (Node's OpenSSL) sends, captured by a plain TCP server. */
async function realClientHello(servername?: string): Promise<Buffer> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const captured = new Promise<Buffer>((resolve) => server.once('connection', (s) => s.once('data', (d: Buffer) => { resolve(d); s.destroy(); })));
  const client = tls.connect({ port: (server.address() as net.AddressInfo).port, host: '127.0.0.1', servername, rejectUnauthorized: false });
  client.on('error', () => undefined);
  const hello = await captured;
  client.destroy();
  server.close();
  return hello;
}

/** The same handshake message split over two TLS records, as RFC 8446 allows. */
function splitIntoTwoRecords(hello: Buffer, at: number): Buffer {
  const body = hello.subarray(5);
  const record = (part: Buffer) => Buffer.concat([Buffer.from([0x16, 0x03, 0x01, part.length >> 8, part.length & 0xff]), part]);
  return Buffer.concat([record(body.subarray(0, at)), record(body.subarray(at))]);
}

describe('reading the server name from a TLS ClientHello', () => {
  it('finds the name a browser asks for', async () => {
    const hello = await realClientHello('www.Example.org');
    assert.deepEqual(parseClientHello(hello), { status: 'ok', serverName: 'www.example.org' });
  });

  it('asks for more bytes while the hello is incomplete, at every cut', async () => {
    const hello = await realClientHello('bbc.co.uk');
    for (let cut = 1; cut < hello.length; cut += 7) assert.deepEqual(parseClientHello(hello.subarray(0, cut)), { status: 'need-more' }, `cut at ${cut}`);
  });

  it('joins a hello split across two records', async () => {
    const hello = await realClientHello('split.example');
    assert.deepEqual(parseClientHello(splitIntoTwoRecords(hello, 40)), { status: 'ok', serverName: 'split.example' });
    assert.deepEqual(parseClientHello(splitIntoTwoRecords(hello, 2)), { status: 'ok', serverName: 'split.example' });
  });

  it('reports no name when the client sends none (a connection to a bare address)', async () => {
    const hello = await realClientHello();
    assert.deepEqual(parseClientHello(hello), { status: 'ok' });
  });

  it('says "not TLS" for plain HTTP, SSH and random bytes, and never throws', () => {
    assert.deepEqual(parseClientHello(Buffer.from('GET / HTTP/1.1\r\n\r\n')), { status: 'not-tls' });
    assert.deepEqual(parseClientHello(Buffer.from('SSH-2.0-OpenSSH_9.2\r\n')), { status: 'not-tls' });
    assert.deepEqual(parseClientHello(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0x02, 0, 0, 1, 0])), { status: 'not-tls' }, 'a ServerHello is not a ClientHello');
    for (let i = 0; i < 2000; i++) {
      const junk = Buffer.from(Array.from({ length: 1 + (i % 300) }, (_, j) => (j < 3 ? [0x16, 0x03, 0x01][j] : (i * 31 + j * 17) & 0xff)));
      const result = parseClientHello(junk);
      assert.ok(['need-more', 'not-tls', 'ok'].includes(result.status));
    }
  });

  it('refuses lengths that run past the message instead of reading beyond it', async () => {
    const hello = Buffer.from(await realClientHello('long.example'));
    // claim a session id longer than the whole hello
    hello[5 + 4 + 2 + 32] = 0xff;
    assert.equal(parseClientHello(hello).status, 'not-tls');
  });
});
