/**
 * One proxy thread's HTTP server: Node's HTTP parser (llhttp, strict mode) for requests — it refuses ambiguous
 * framing such as Content-Length together with Transfer-Encoding (request smuggling), a missing Host on HTTP/1.1,
 * and heads over the size limit — plus Osprey's limits: a deadline for the complete head (slow-loris), keep-alive
 * and idle timeouts, and a cap on each client address's concurrent connections across all threads.
 */
import http, { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { plainAddress } from '../../platform/addresses.ts';
import { handleRequest } from './forward.ts';
import type { ProxyRuntime } from './runtime.ts';
import { handleConnect, respondRaw } from './tunnel.ts';

const CLIENT_ERROR_TEXT: Record<number, string> = {
  400: 'Osprey\'s proxy could not read this request.\n',
  408: 'The request took too long to arrive, so Osprey closed the connection.\n',
  431: 'The request\'s headers are too large.\n',
};

export interface ProxyServer extends http.Server {
  /** Stops listening and ends every connection, tunnels included; resolves when all are gone. */
  shutDown(): Promise<void>;
}

export function createProxyServer(rt: ProxyRuntime): ProxyServer {
  const sockets = new Set<Socket>();
  const limits = rt.settings.limits;
  const server = http.createServer({
    maxHeaderSize: limits.maxHeaderBytes,
    requireHostHeader: true,
    insecureHTTPParser: false,
    headersTimeout: limits.headerTimeoutMs,
    // 0: a long upload is fine while it keeps moving; `timeout` below catches one that stalls
    requestTimeout: 0,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // how often the head deadline is checked; Node's default (30 s) would let a slow client overstay by that much
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(limits.headerTimeoutMs / 4))),
  }, (req, res) => handleRequest(rt, req, res)) as ProxyServer;
  server.timeout = limits.idleTimeoutMs;
  server.maxHeadersCount = 200;
  server.maxConnections = limits.maxConnections;

  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const ip = plainAddress(socket.remoteAddress ?? '');
    if (!rt.connections.open(ip, limits.maxConnectionsPerClient)) {
      respondRaw(socket, 429, 'Too Many Requests', 'This device has too many connections open through Osprey\'s proxy. Close some tabs or apps and try again.\n');
      return;
    }
    socket.once('close', () => rt.connections.close(ip));
  });

  server.on('connect', (req, socket: Socket, head: Buffer) => handleConnect(rt, req, socket, head));

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    const inResponse = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
    if (err.code === 'ECONNRESET' || !socket.writable || inResponse) return void socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    respondRaw(socket, status, STATUS_CODES[status] ?? 'Bad Request', CLIENT_ERROR_TEXT[status]);
  });

  // Upgrade (WebSocket over plain HTTP) is not forwarded; browsers tunnel WebSockets with CONNECT through a proxy.
  server.on('upgrade', (_req, socket: Socket) => respondRaw(socket, 501, 'Not Implemented', 'Osprey\'s proxy does not forward protocol upgrades on plain HTTP.\n'));
  server.shutDown = () => new Promise((resolve) => {
    server.close(() => resolve());
    // tunnels are no longer the HTTP server's, so closeAllConnections alone would leave them open
    for (const socket of sockets) socket.destroy();
    rt.agent.destroy();
  });
  return server;
}
