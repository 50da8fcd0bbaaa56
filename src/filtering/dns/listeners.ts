/**
 * The sockets clients talk to. UDP: one datagram, one query. TCP (RFC 7766): two-byte length-prefixed messages,
 * several queries pipelined on one connection and answered as each is ready (IDs tell them apart), an idle
 * timeout, a cap on connections per client address and in all, and on unanswered queries per connection — so one
 * misbehaving device cannot take the resolver from everyone else.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import type { ClientTransport, DnsResolverCore } from './resolver.ts';

export interface TcpLimits {
  idleTimeoutMs: number;
  maxConnectionsPerClient: number;
  maxConnections: number;
  /** Queries read but not yet answered on one connection before reading pauses. */
  maxPipelined: number;
}

type Lookup = (address: string, family: unknown, callback: (error: Error | null, address: string, family: number) => void) => void;

/**
 * Clients' addresses are IP literals of the socket's own family, so answering them needs no name lookup (Node's
 * default lookup would check the literal and defer the send to the next tick for every datagram).
 */
const literalLookup = (family: number): Lookup => (address, _family, callback) => callback(null, address, family);

export async function listenUdp(core: DnsResolverCore, host: string, port: number, warn: (m: string) => void): Promise<dgram.Socket> {
  const ipv6 = net.isIPv6(host);
  const socket = dgram.createSocket({ type: ipv6 ? 'udp6' : 'udp4', lookup: literalLookup(ipv6 ? 6 : 4) });
  const transport: ClientTransport = { udp: true, send: (message, toPort, toAddress) => socket.send(message, toPort, toAddress) };
  socket.on('message', (msg, rinfo) => core.handle(msg, rinfo.address, rinfo.port, transport));
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => { socket.off('error', reject); resolve(); });
  });
  // send failures (a client that vanished, a full buffer) concern one datagram; the socket carries on
  let lastWarning = 0;
  socket.on('error', (error) => {
    if (Date.now() - lastWarning < 10_000) return;
    lastWarning = Date.now();
    warn(`DNS UDP socket: ${error.message}`);
  });
  try {
    // room for bursts; the kernel caps these at its own maximum
    socket.setRecvBufferSize(4 << 20);
    socket.setSendBufferSize(4 << 20);
  } catch {
    // not fatal: the defaults only mean more drops under a burst
  }
  return socket;
}

export interface TcpListener {
  /** Stops listening and ends the open connections. */
  close(): Promise<void>;
}

export async function listenTcp(core: DnsResolverCore, host: string, port: number, limits: TcpLimits): Promise<TcpListener> {
  const perClient = new Map<string, number>();
  const open = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    serveConnection(core, socket, limits, perClient);
  });
  server.maxConnections = limits.maxConnections;
  server.on('error', () => {}); // per-connection failures are handled on the socket
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, exclusive: true }, () => { server.off('error', reject); resolve(); });
  });
  return {
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of open) socket.destroy();
    }),
  };
}

function serveConnection(core: DnsResolverCore, socket: net.Socket, limits: TcpLimits, perClient: Map<string, number>): void {
  const address = socket.remoteAddress ?? '';
  const port = socket.remotePort ?? 0;
  const open = perClient.get(address) ?? 0;
  if (open >= limits.maxConnectionsPerClient) {
    socket.destroy();
    return;
  }
  perClient.set(address, open + 1);
  socket.once('close', () => {
    const left = (perClient.get(address) ?? 1) - 1;
    if (left <= 0) perClient.delete(address);
    else perClient.set(address, left);
  });
  socket.on('error', () => {}); // resets and the like: 'close' follows and tidies up
  socket.setNoDelay(true);
  socket.setTimeout(limits.idleTimeoutMs, () => socket.destroy());

  let unanswered = 0;
  const transport: ClientTransport = {
    udp: false,
    send(message) {
      unanswered--;
      if (socket.destroyed) return;
      const frame = Buffer.allocUnsafe(2 + message.length);
      frame.writeUInt16BE(message.length, 0);
      message.copy(frame, 2);
      socket.write(frame);
      // a client that pipelines but never reads would make us hold its answers forever
      if (socket.writableLength > 1 << 20) socket.destroy();
      else if (socket.isPaused() && unanswered < limits.maxPipelined) socket.resume();
    },
  };

  let buffered: Buffer | null = null;
  socket.on('data', (chunk: Buffer) => {
    let data = buffered === null ? chunk : Buffer.concat([buffered, chunk]);
    let p = 0;
    while (data.length - p >= 2) {
      const length = data.readUInt16BE(p);
      if (data.length - p - 2 < length) break;
      const msg = data.subarray(p + 2, p + 2 + length);
      p += 2 + length;
      unanswered++; // before handling: a cached answer is sent (and counted off) at once
      if (!core.handle(msg, address, port, transport)) unanswered--;
    }
    if (p > 0) data = data.subarray(p);
    buffered = data.length > 0 ? Buffer.from(data) : null;
    if (unanswered >= limits.maxPipelined) socket.pause();
  });
}
