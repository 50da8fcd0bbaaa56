/**
 * The server name a TLS client asks for (SNI, RFC 6066 §3), read from the first bytes of a CONNECT tunnel, so that
 * a CONNECT to a bare address (or a tunnel whose SNI differs from its CONNECT host) is decided on the real site.
 * Reads the TLS record layer (RFC 8446 §5.1) and the ClientHello (§4.1.2); a ClientHello split over several records
 * is joined. Never throws: anything it cannot read is 'not-tls', and a truncated hello asks for more bytes.
 */

export type ClientHelloResult =
  | { status: 'need-more' }
  | { status: 'not-tls' }
  | { status: 'ok'; serverName?: string };

const RECORD_HANDSHAKE = 0x16;
const CLIENT_HELLO = 0x01;
const EXT_SERVER_NAME = 0x0000;
/** A ClientHello bigger than this is not one a browser sends (post-quantum key shares make them ~2 KB). */
export const MAX_HELLO_BYTES = 32 * 1024;

/** Joins the handshake bytes of consecutive handshake records; null when the data is not TLS. */
function handshakeBytes(data: Uint8Array): { bytes: Uint8Array; complete: boolean } | null {
  if (data[0] !== RECORD_HANDSHAKE || (data.length >= 2 && data[1] !== 3)) return null;
  const parts: Uint8Array[] = [];
  let total = 0;
  let needed = -1;
  for (let offset = 0; offset + 5 <= data.length;) {
    if (data[offset] !== RECORD_HANDSHAKE || data[offset + 1] !== 3) return null;
    const length = (data[offset + 3] << 8) | data[offset + 4];
    if (length === 0 || length > 16_384 + 256) return null;
    const end = Math.min(offset + 5 + length, data.length);
    parts.push(data.subarray(offset + 5, end));
    total += end - (offset + 5);
    if (needed < 0 && total >= 4) {
      const head = concat(parts, total);
      if (head[0] !== CLIENT_HELLO) return null;
      needed = 4 + ((head[1] << 16) | (head[2] << 8) | head[3]);
      if (needed > MAX_HELLO_BYTES) return null;
    }
    if (needed >= 0 && total >= needed) break;
    offset += 5 + length;
  }
  return { bytes: concat(parts, total), complete: needed >= 0 && total >= needed };
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

export function parseClientHello(data: Uint8Array): ClientHelloResult {
  if (data.length === 0) return { status: 'need-more' };
  if (data.length > MAX_HELLO_BYTES + 1024) return { status: 'not-tls' };
  const hs = handshakeBytes(data);
  if (hs === null) return { status: 'not-tls' };
  if (!hs.complete) return { status: 'need-more' };
  const b = hs.bytes;
  const end = 4 + ((b[1] << 16) | (b[2] << 8) | b[3]);
  // client version (2) and random (32)
  let p = 4 + 2 + 32;
  if (p + 1 > end) return { status: 'not-tls' };
  p += 1 + b[p]; // session id
  if (p + 2 > end) return { status: 'not-tls' };
  p += 2 + ((b[p] << 8) | b[p + 1]); // cipher suites
  if (p + 1 > end) return { status: 'not-tls' };
  p += 1 + b[p]; // compression methods
  if (p === end) return { status: 'ok' }; // no extensions at all (very old clients)
  if (p + 2 > end) return { status: 'not-tls' };
  const extensionsEnd = p + 2 + ((b[p] << 8) | b[p + 1]);
  if (extensionsEnd > end) return { status: 'not-tls' };
  p += 2;
  while (p + 4 <= extensionsEnd) {
    const type = (b[p] << 8) | b[p + 1];
    const length = (b[p + 2] << 8) | b[p + 3];
    const body = p + 4;
    if (body + length > extensionsEnd) return { status: 'not-tls' };
    if (type === EXT_SERVER_NAME) return readServerName(b, body, body + length);
    p = body + length;
  }
  return { status: 'ok' };
}

function readServerName(b: Uint8Array, start: number, end: number): ClientHelloResult {
  if (start + 2 > end) return { status: 'not-tls' };
  const listEnd = start + 2 + ((b[start] << 8) | b[start + 1]);
  if (listEnd > end) return { status: 'not-tls' };
  let p = start + 2;
  while (p + 3 <= listEnd) {
    const nameType = b[p];
    const length = (b[p + 1] << 8) | b[p + 2];
    if (p + 3 + length > listEnd) return { status: 'not-tls' };
    if (nameType === 0) {
      let name = '';
      for (let i = p + 3; i < p + 3 + length; i++) {
        const c = b[i];
        // a host name is printable ASCII; anything else is not a name the engine could read
        if (c <= 0x20 || c >= 0x7f) return { status: 'ok' };
        name += String.fromCharCode(c);
      }
      return name ? { status: 'ok', serverName: name.toLowerCase() } : { status: 'ok' };
    }
    p += 3 + length;
  }
  return { status: 'ok' };
}
