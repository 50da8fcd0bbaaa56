/**
 * A public-looking origin for the destination tests: a network namespace joined to this machine by a veth pair, with
 * addresses in 198.18.0.0/15 (the benchmarking range, routed like any public address), an HTTP origin on port 8080
 * and a plain TCP echo on port 443 inside it. The host side of the pair becomes one of this server's own addresses;
 * the namespace side does not. Needs root and iproute2; creating it fails loudly rather than skipping the test.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { waitFor } from '../fixtures/proxy/harness.ts';

export interface NamespaceOrigin {
  /** The server's own end of the veth pair. */
  hostAddress: string;
  /** The origin's address, inside the namespace. */
  originAddress: string;
  httpPort: number;
  tlsPort: number;
  close(): Promise<void>;
}

function ip(args: string[]): void {
  try {
    execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    const why = (e as { stderr?: Buffer }).stderr?.toString().trim() || (e as Error).message;
    throw new Error(`could not set up the test's network namespace: "ip ${args.join(' ')}" failed: ${why}. These tests need root and iproute2 (Debian: iproute2).`);
  }
}

const quietly = (args: string[]) => { try { execFileSync('ip', args, { stdio: 'ignore' }); } catch { /* already gone */ } };

const ORIGIN_PROGRAM = `
const http = require('node:http'); const net = require('node:net');
const [address] = process.argv.slice(1);
let ready = 0; const up = () => { if (++ready === 2) process.stdout.write('ready\\n'); };
http.createServer((req, res) => res.end('hello from the public-looking origin, ' + req.headers.host + req.url)).listen(8080, address, up);
net.createServer((s) => { s.on('data', (d) => s.write('echo: ' + d)); s.on('error', () => {}); }).listen(443, address, up);
`;

export async function startNamespaceOrigin(): Promise<NamespaceOrigin> {
  const id = process.pid % 1_000_000;
  const name = `osprey-sec-${id}`;
  const hostLink = `ospsh${id}`;
  const nsLink = `ospsn${id}`;
  // a /30 of 198.19.0.0/16 chosen by process, so parallel runs do not meet
  const third = id % 256;
  const fourth = ((id >> 8) % 64) * 4;
  const hostAddress = `198.19.${third}.${fourth + 1}`;
  const originAddress = `198.19.${third}.${fourth + 2}`;
  quietly(['link', 'del', hostLink]);
  quietly(['netns', 'del', name]);

  let child: ChildProcess | undefined;
  const close = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    quietly(['link', 'del', hostLink]);
    quietly(['netns', 'del', name]);
  };
  try {
    ip(['netns', 'add', name]);
    ip(['link', 'add', hostLink, 'type', 'veth', 'peer', 'name', nsLink]);
    ip(['link', 'set', nsLink, 'netns', name]);
    ip(['addr', 'add', `${hostAddress}/30`, 'dev', hostLink]);
    ip(['link', 'set', hostLink, 'up']);
    ip(['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
    ip(['netns', 'exec', name, 'ip', 'addr', 'add', `${originAddress}/30`, 'dev', nsLink]);
    ip(['netns', 'exec', name, 'ip', 'link', 'set', nsLink, 'up']);
    child = spawn('ip', ['netns', 'exec', name, process.execPath, '-e', ORIGIN_PROGRAM, originAddress], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => { output += s; });
    child.stderr!.setEncoding('utf8').on('data', (s: string) => { output += s; });
    await waitFor('the origin in the network namespace to start', () => {
      if (child!.exitCode !== null) throw new Error(`the origin in the network namespace stopped: ${output}`);
      return output.includes('ready');
    }, 15_000);
    // the link is up once a connection from this side gets through
    await waitFor('the veth link to carry traffic', () => new Promise<boolean>((resolve) => {
      const s = net.connect({ host: originAddress, port: 8080 }, () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    }), 15_000);
  } catch (e) {
    await close();
    throw e;
  }
  return { hostAddress, originAddress, httpPort: 8080, tlsPort: 443, close };
}
