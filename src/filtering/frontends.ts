/**
 * The network front-ends as `serve` and `filter-node` run them: the web proxy (in worker threads) and the DNS
 * resolver, both deciding from the same FilterView (snapshots, identity, activity), configured from the settings.
 * Which run, and on which ports, is the `frontEnds`, `proxyPort` and `dnsPort` settings' business; a port already in
 * use or a missing upstream resolver is reported in plain words.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, dnsServerList, frontEndsOf, type Config } from '../config.ts';
import { allowEntriesOf, type DestinationSettings } from '../platform/destination.ts';
import { startDnsResolver, type DnsResolver } from './dns/index.ts';
import type { FilterView } from './frontend-types.ts';
import type { IdentitySource } from './identity/service.ts';
import { startProxy, type RunningProxy } from './proxy/index.ts';

export interface FrontEndsLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface FrontEndsOptions {
  config: Config;
  view: FilterView;
  identity: IdentitySource;
  schoolIds: string[];
  /** The control plane's address, for the web log-on redirect and the block page's links. */
  portalUrl: string;
  log: FrontEndsLogger;
}

export interface RunningFrontEnds {
  /** The ports actually bound (a setting of 0 picks a free one); absent when that front-end is off. */
  proxyPort?: number;
  dnsPort?: number;
  /** Why the DNS resolver is not running, when it was asked for but could not be started. */
  dnsProblem?: string;
  close(): Promise<void>;
}

/** The `nameserver` lines of /etc/resolv.conf, as the DNS resolver's default upstreams. */
export function systemResolvers(file = '/etc/resolv.conf'): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n')
      .map((line) => /^\s*nameserver\s+(\S+)/.exec(line)?.[1])
      .filter((a): a is string => !!a)
      .map((a) => (a.includes(':') ? `[${a.replace(/%.*$/, '')}]:53` : a));
  } catch {
    return [];
  }
}

/** Where the web proxy may connect, from the settings (the same on the control plane and on filter nodes). */
export function proxyDestinations(config: Config): DestinationSettings {
  return {
    allowPrivate: config.proxyAllowPrivate, allowed: allowEntriesOf(config.proxyAllowedDestinations),
    safePorts: config.proxySafePorts, sslPorts: config.proxySslPorts,
  };
}

function inUse(e: unknown, what: string, setting: string, port: number): never {
  if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    throw new ConfigError([`the ${what} cannot listen on port ${port}: another program is using it — stop that program, or choose another port with ${setting}`]);
  }
  if ((e as NodeJS.ErrnoException).code === 'EACCES') {
    throw new ConfigError([`the ${what} is not allowed to listen on port ${port} — ports below 1024 need extra privileges (see the README's "Filtering the network"), or choose another port with ${setting}`]);
  }
  throw e;
}

export async function startFrontEnds(o: FrontEndsOptions): Promise<RunningFrontEnds> {
  const { config } = o;
  const wanted = frontEndsOf(config);
  let proxy: RunningProxy | undefined;
  let dns: DnsResolver | undefined;
  let dnsProblem: string | undefined;
  const onError = (message: string) => o.log.error({}, `web proxy: ${message}`);
  try {
    if (wanted.proxy) {
      proxy = await startProxy({
        host: config.filterHost, port: config.proxyPort, workers: config.proxyWorkers, view: o.view, identity: o.identity,
        schoolIds: o.schoolIds, portalUrl: o.portalUrl, upstreamProxy: config.upstreamProxy,
        dnsServers: config.proxyDnsServers ? dnsServerList(config.proxyDnsServers) : undefined, destinations: proxyDestinations(config), onError,
      }).catch((e: unknown) => inUse(e, 'web proxy', 'OSPREY_PROXY_PORT', config.proxyPort));
    }
    if (wanted.dns) {
      const upstreams = config.dnsUpstreams ? dnsServerList(config.dnsUpstreams) : systemResolvers();
      if (upstreams.length === 0) {
        dnsProblem = 'the DNS resolver is not running: no upstream DNS servers are set and /etc/resolv.conf names none — set OSPREY_DNS_UPSTREAMS';
        o.log.warn({}, dnsProblem);
      } else {
        const [v4, v6] = (config.blockPageAddress ?? '').split(',').map((a) => a.trim());
        try {
          dns = await startDnsResolver({
            host: config.filterHost, port: config.dnsPort, view: o.view, upstreams, blockAnswer: config.dnsBlockAnswer,
            allowedClients: config.dnsAllowedClients,
            blockPageIPv4: v4 || undefined, blockPageIPv6: v6 || undefined,
            logger: { warn: (m: string) => o.log.warn({}, `DNS resolver: ${m}`), info: (m: string) => o.log.info({}, `DNS resolver: ${m}`) },
          });
        } catch (e) {
          // The web proxy and the web interface are still worth running (on a desktop, Avahi often holds 5353):
          // say so plainly rather than refuse to start.
          const why = (e as Error).message.replace(/^DNS resolver: /, '');
          const fix = /in use/.test(why) ? 'Stop that program, or choose another port with OSPREY_DNS_PORT.' : 'Choose another port with OSPREY_DNS_PORT (see src/filtering/dns/README.md for port 53).';
          dnsProblem = `the DNS resolver is not running: ${why}. ${fix}`;
          o.log.error({}, dnsProblem);
        }
      }
    }
  } catch (e) {
    await proxy?.close();
    throw e;
  }
  return {
    proxyPort: proxy?.port, dnsPort: dns?.port, dnsProblem,
    async close() {
      await Promise.all([proxy?.close(), dns?.close()]);
    },
  };
}
