/**
 * One typed configuration: defaults → file (`<dataDir>/osprey.json` or OSPREY_CONFIG_FILE) → environment.
 * Validated once at start; every problem is reported together so a network manager fixes them in one go.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { parseAllowedClients, parseDnsServer } from './platform/addresses.ts';
import { allowEntriesOf, DEFAULT_SAFE_PORTS, DEFAULT_SSL_PORTS, parseAllowEntry, parsePorts } from './platform/destination.ts';

export interface Config {
  dataDir: string;
  databaseUrl: string | undefined;
  httpHost: string;
  httpPort: number;
  proxyPort: number;
  dnsPort: number;
  frontEnds: string;
  filterHost: string;
  proxyWorkers: number;
  upstreamProxy: string | undefined;
  proxyDnsServers: string | undefined;
  proxyAllowPrivate: boolean;
  proxyAllowedDestinations: string | undefined;
  proxySafePorts: string;
  proxySslPorts: string;
  listServers: string | undefined;
  dnsUpstreams: string | undefined;
  dnsAllowedClients: string | undefined;
  dnsBlockAnswer: 'nxdomain' | 'block-page';
  blockPageAddress: string | undefined;
  publicUrl: string | undefined;
  trustedProxies: string | undefined;
  timeZone: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  sessionHours: number;
  sessionMaxHours: number;
  temporaryPasswordHours: number;
  metricsToken: string | undefined;
  loginMaxFailures: number;
  lockoutMinutes: number;
  staffPasswordRotationDays: number;
  maxRequestBytes: number;
  maxImportBytes: number;
  activityRetentionDays: number;
  spoolMaxMb: number;
  smtpUrl: string | undefined;
  mailFrom: string;
  maxEvidenceBytes: number;
  retirementAge: number;
  incidentRetentionYears: number;
  overdueStepDays: number;
}

interface SettingSpec {
  key: keyof Config;
  env: string;
  default: string | number | undefined;
  kind: 'string' | 'port' | 'int' | 'url' | 'level' | 'path' | 'host' | 'timezone' | 'boolean';
  description: string;
  min?: number;
  /** A secret: never printed (`osprey settings` shows only whether it is set). */
  secret?: boolean;
}

/** Every setting, its environment variable, default and meaning. The README's reference table mirrors this list. */
export const SETTINGS: readonly SettingSpec[] = [
  { key: 'dataDir', env: 'OSPREY_DATA_DIR', default: './data', kind: 'path', description: 'Folder for the embedded database, keys and spool files. Back this folder up.' },
  { key: 'databaseUrl', env: 'DATABASE_URL', default: undefined, kind: 'url', description: 'PostgreSQL server to use instead of the embedded database, e.g. postgres://osprey@db.example/osprey.' },
  { key: 'httpHost', env: 'OSPREY_HTTP_HOST', default: '0.0.0.0', kind: 'host', description: 'Address the web interface and API listen on.' },
  { key: 'httpPort', env: 'OSPREY_HTTP_PORT', default: 8080, kind: 'port', description: 'Port of the web interface and API.' },
  { key: 'proxyPort', env: 'OSPREY_PROXY_PORT', default: 3128, kind: 'port', description: 'Port of the filtering web proxy.' },
  { key: 'dnsPort', env: 'OSPREY_DNS_PORT', default: 5353, kind: 'port', description: 'Port of the filtering DNS resolver (53 needs extra privileges).' },
  { key: 'frontEnds', env: 'OSPREY_FRONT_ENDS', default: 'proxy,dns', kind: 'string', description: 'Which filtering front-ends serve runs: proxy, dns, proxy,dns or none (web interface only).' },
  { key: 'filterHost', env: 'OSPREY_FILTER_HOST', default: '0.0.0.0', kind: 'host', description: 'Address the web proxy and DNS resolver listen on. Use the school network\'s address, never one the internet can reach.' },
  { key: 'proxyWorkers', env: 'OSPREY_PROXY_WORKERS', default: 2, kind: 'int', min: 0, description: 'Threads the web proxy runs in, apart from the web interface (0 = share its thread; about one per core).' },
  { key: 'upstreamProxy', env: 'OSPREY_UPSTREAM_PROXY', default: undefined, kind: 'url', description: 'A proxy the web proxy sends allowed traffic on to (e.g. the local authority\'s), as http://host:port.' },
  { key: 'proxyDnsServers', env: 'OSPREY_PROXY_DNS_SERVERS', default: undefined, kind: 'string', description: 'DNS servers the web proxy uses to find the sites it fetches, as addresses separated by commas. Defaults to the machine\'s own (/etc/resolv.conf).' },
  { key: 'proxyAllowPrivate', env: 'OSPREY_PROXY_ALLOW_PRIVATE', default: 'no', kind: 'boolean', description: 'Whether the web proxy opens addresses on private networks (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10, fc00::/7): yes or no. The PAC file sends them direct, so most schools leave this at no.' },
  { key: 'proxyAllowedDestinations', env: 'OSPREY_PROXY_ALLOWED_DESTINATIONS', default: undefined, kind: 'string', description: 'Addresses the web proxy opens although it otherwise would not (an intranet server, say), separated by commas: an address (10.0.5.20), a range (10.0.5.0/24; private and public addresses only), or a host name, each optionally with :port, which that entry opens whatever the port lists say.' },
  { key: 'proxySafePorts', env: 'OSPREY_PROXY_SAFE_PORTS', default: DEFAULT_SAFE_PORTS, kind: 'string', description: 'Ports the web proxy sends plain http:// requests to, separated by commas, with ranges like 1025-65535 (Squid\'s Safe_ports).' },
  { key: 'proxySslPorts', env: 'OSPREY_PROXY_SSL_PORTS', default: DEFAULT_SSL_PORTS, kind: 'string', description: 'Ports the web proxy opens secure (CONNECT) tunnels to, separated by commas (Squid\'s SSL_ports).' },
  { key: 'listServers', env: 'OSPREY_LIST_SERVERS', default: undefined, kind: 'string', description: 'The school\'s own block-list servers, which list downloads may reach although they are on a private or local address: host names or addresses, each optionally with :port, separated by commas (e.g. lists.school.internal:8080, 10.0.5.9).' },
  { key: 'dnsUpstreams', env: 'OSPREY_DNS_UPSTREAMS', default: undefined, kind: 'string', description: 'DNS servers the resolver asks for allowed names, as addresses separated by commas (e.g. 192.0.2.53, [2001:db8::53]:53). Defaults to the servers in /etc/resolv.conf.' },
  { key: 'dnsAllowedClients', env: 'OSPREY_DNS_ALLOWED_CLIENTS', default: 'private', kind: 'string', description: 'Which devices the DNS resolver answers, as addresses and ranges separated by commas (e.g. private, 203.0.113.0/24), where private stands for the private and local networks (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10, 169.254.0.0/16, 127.0.0.0/8, fc00::/7, fe80::/10, ::1). Devices in the address ranges on the Devices and log-on page, and people logged on, are always answered; everyone else is refused, so the resolver is never open to the whole internet.' },
  { key: 'dnsBlockAnswer', env: 'OSPREY_DNS_BLOCK_ANSWER', default: 'nxdomain', kind: 'string', description: 'What the DNS resolver answers for a blocked name: nxdomain (no such site) or block-page (the address in OSPREY_BLOCK_PAGE_ADDRESS).' },
  { key: 'blockPageAddress', env: 'OSPREY_BLOCK_PAGE_ADDRESS', default: undefined, kind: 'string', description: 'The address(es) of the server showing the block page, for OSPREY_DNS_BLOCK_ANSWER=block-page (an IPv4 address, optionally an IPv6 address after a comma).' },
  { key: 'publicUrl', env: 'OSPREY_PUBLIC_URL', default: undefined, kind: 'url', description: 'Address people use to reach Osprey, used in set-up links and e-mails. Defaults to http://localhost:<port>.' },
  { key: 'trustedProxies', env: 'OSPREY_TRUSTED_PROXIES', default: undefined, kind: 'string', description: 'Addresses of reverse proxies in front of Osprey (comma-separated, CIDR allowed), whose X-Forwarded-For is believed. Without it, log-on throttling and the audit log see the proxy\'s address.' },
  { key: 'timeZone', env: 'OSPREY_TIME_ZONE', default: 'Europe/London', kind: 'timezone', description: 'The school\'s time zone, for filtering schedules (lesson times, lunchtime) and reports.' },
  { key: 'logLevel', env: 'OSPREY_LOG_LEVEL', default: 'info', kind: 'level', description: 'How much the server logs: fatal, error, warn, info, debug, trace or silent.' },
  { key: 'sessionHours', env: 'OSPREY_SESSION_HOURS', default: 8, kind: 'int', min: 1, description: 'How long a log-in lasts without activity, in hours.' },
  { key: 'sessionMaxHours', env: 'OSPREY_SESSION_MAX_HOURS', default: 24, kind: 'int', min: 1, description: 'A log-in ends after this many hours even while it is in use, so a stolen session cookie stops working.' },
  { key: 'temporaryPasswordHours', env: 'OSPREY_TEMPORARY_PASSWORD_HOURS', default: 72, kind: 'int', min: 1, description: 'How long a temporary password works before first use, in hours; after that an administrator gives a new one.' },
  { key: 'metricsToken', env: 'OSPREY_METRICS_TOKEN', default: undefined, kind: 'string', secret: true, description: 'Turns on /metrics for monitoring tools, which must send it as "Authorization: Bearer <token>". Without it /metrics is off.' },
  { key: 'loginMaxFailures', env: 'OSPREY_LOGIN_MAX_FAILURES', default: 5, kind: 'int', min: 1, description: 'Wrong passwords in a row before an account is locked.' },
  { key: 'lockoutMinutes', env: 'OSPREY_LOCKOUT_MINUTES', default: 15, kind: 'int', min: 1, description: 'How long a locked account stays locked, in minutes.' },
  { key: 'staffPasswordRotationDays', env: 'OSPREY_STAFF_PASSWORD_ROTATION_DAYS', default: 0, kind: 'int', min: 0, description: 'Staff must choose a new password after this many days (0 = never; some policies ask for 60).' },
  { key: 'maxRequestBytes', env: 'OSPREY_MAX_REQUEST_BYTES', default: 1048576, kind: 'int', min: 1024, description: 'Largest API request body accepted, in bytes.' },
  { key: 'maxImportBytes', env: 'OSPREY_MAX_IMPORT_BYTES', default: 52428800, kind: 'int', min: 1024, description: 'Largest people-import upload accepted, in bytes.' },
  { key: 'smtpUrl', env: 'OSPREY_SMTP_URL', default: undefined, kind: 'url', description: 'Mail server for alerts and reminders, as smtp://user:password@host:587 (STARTTLS when offered) or smtps://host:465. Without it, e-mails wait in the outbox and the in-app inbox still works.' },
  { key: 'mailFrom', env: 'OSPREY_MAIL_FROM', default: 'Osprey <osprey@localhost>', kind: 'string', description: 'The sender of Osprey\'s e-mails, e.g. "Osprey at Oakfield School <osprey@oakfield.sch.uk>".' },
  { key: 'activityRetentionDays', env: 'OSPREY_ACTIVITY_RETENTION_DAYS', default: 365, kind: 'int', min: 1, description: 'How long internet activity (sites visited, blocked attempts, searches) is kept, in days. Whole days are removed once older than this.' },
  { key: 'spoolMaxMb', env: 'OSPREY_SPOOL_MAX_MB', default: 4096, kind: 'int', min: 16, description: 'The most disk space, in megabytes, the activity spool may use while the database is away or catching up (about 3 million events a gigabyte). When it is full, new activity is not recorded (filtering goes on) and the System status page, the log and /metrics say so.' },
  { key: 'maxEvidenceBytes', env: 'OSPREY_MAX_EVIDENCE_BYTES', default: 20971520, kind: 'int', min: 1024, description: 'Largest file that can be added to an incident as evidence (a screenshot or document), in bytes.' },
  { key: 'retirementAge', env: 'OSPREY_RETIREMENT_AGE', default: 67, kind: 'int', min: 50, description: 'Normal retirement age, for keeping records of allegations against staff (until this age or 10 years, whichever is later).' },
  { key: 'incidentRetentionYears', env: 'OSPREY_INCIDENT_RETENTION_YEARS', default: 6, kind: 'int', min: 1, description: 'Years after closing before a general (not child-protection) incident is due for retention review.' },
  { key: 'overdueStepDays', env: 'OSPREY_OVERDUE_STEP_DAYS', default: 7, kind: 'int', min: 1, description: 'Days a required incident step may stay open before the dashboard shows it as overdue.' },
];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Osprey cannot start because of ${problems.length === 1 ? 'a problem' : `${problems.length} problems`} with its settings:\n` +
      problems.map((p) => `  - ${p}`).join('\n'));
  }
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const BOOLEAN_WORDS = new Map([['yes', true], ['true', true], ['on', true], ['1', true], ['no', false], ['false', false], ['off', false], ['0', false]]);

/** Environment variables that start with OSPREY_ but are not settings (used by tests and tools). */
const NON_SETTING_ENV = new Set(['OSPREY_CONFIG_FILE', 'OSPREY_TEST_DATABASE', 'OSPREY_CHROMIUM']);

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Record<keyof Config, unknown>> = {}): Config {
  const problems: string[] = [];
  const raw: Partial<Record<keyof Config, unknown>> = {};
  for (const s of SETTINGS) raw[s.key] = s.default;

  const dataDirGuess = String(overrides.dataDir ?? env.OSPREY_DATA_DIR ?? './data');
  const file = env.OSPREY_CONFIG_FILE ?? path.join(dataDirGuess, 'osprey.json');
  if (existsSync(file)) {
    try {
      const fromFile = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      for (const [k, v] of Object.entries(fromFile)) {
        const spec = SETTINGS.find((s) => s.key === k);
        if (!spec) problems.push(`unknown setting '${k}' in ${file} — remove it, or use one of: ${SETTINGS.map((s) => s.key).join(', ')}`);
        else raw[spec.key] = v;
      }
    } catch (e) {
      problems.push(`${file} is not valid JSON (${(e as Error).message}) — fix or remove the file`);
    }
  } else if (env.OSPREY_CONFIG_FILE) {
    problems.push(`OSPREY_CONFIG_FILE points at ${file}, which does not exist — create it or unset the variable`);
  }

  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('OSPREY_') || NON_SETTING_ENV.has(name)) continue;
    const spec = SETTINGS.find((s) => s.env === name);
    if (!spec) problems.push(`unknown setting ${name} in the environment — unset it, or use one of: ${SETTINGS.filter((s) => s.env.startsWith('OSPREY_')).map((s) => s.env).join(', ')}`);
    else if (value !== undefined && value !== '') raw[spec.key] = value;
  }
  if (env.DATABASE_URL) raw.databaseUrl = env.DATABASE_URL;
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) raw[k as keyof Config] = v;

  const config = {} as Record<keyof Config, unknown>;
  for (const s of SETTINGS) {
    const value = raw[s.key];
    const where = `${s.key} (${s.env})`;
    if (value === undefined || value === null || value === '') { config[s.key] = undefined; continue; }
    switch (s.kind) {
      case 'port':
      case 'int': {
        const n = typeof value === 'number' ? value : /^\s*-?\d+\s*$/.test(String(value)) ? Number(value) : NaN;
        if (s.kind === 'port' && !(Number.isInteger(n) && n >= 0 && n <= 65535)) problems.push(`${where} is '${value}', which is not a port — use a whole number from 1 to 65535 (0 picks a free port)`);
        else if (s.kind === 'int' && !(Number.isInteger(n) && n >= (s.min ?? 0))) problems.push(`${where} is '${value}' — use a whole number of at least ${s.min ?? 0}`);
        config[s.key] = n;
        break;
      }
      case 'url': {
        const text = String(value);
        try {
          const u = new URL(text);
          if (s.key === 'databaseUrl' && !['postgres:', 'postgresql:'].includes(u.protocol)) problems.push(`${where} must start with postgres:// — for example postgres://osprey@localhost:5432/osprey`);
          if (s.key === 'publicUrl' && !['http:', 'https:'].includes(u.protocol)) problems.push(`${where} must start with http:// or https://`);
          if (s.key === 'smtpUrl' && !['smtp:', 'smtps:'].includes(u.protocol)) problems.push(`${where} must start with smtp:// or smtps:// — for example smtp://osprey:password@mail.example.sch.uk:587`);
        } catch {
          problems.push(`${where} is not a valid address: '${s.key === 'databaseUrl' || s.key === 'smtpUrl' ? redactUrl(text) : text}'`);
        }
        config[s.key] = text;
        break;
      }
      case 'timezone':
        try {
          new Intl.DateTimeFormat('en-GB', { timeZone: String(value) });
        } catch {
          problems.push(`${where} is '${value}', which is not a time zone — use a name such as Europe/London`);
        }
        config[s.key] = String(value);
        break;
      case 'boolean': {
        const text = String(value).trim().toLowerCase();
        if (!BOOLEAN_WORDS.has(text)) problems.push(`${where} is '${value}' — use yes or no`);
        config[s.key] = BOOLEAN_WORDS.get(text) ?? false;
        break;
      }
      case 'level':
        if (!LEVELS.includes(String(value))) problems.push(`${where} is '${value}' — use one of: ${LEVELS.join(', ')}`);
        config[s.key] = String(value);
        break;
      default:
        config[s.key] = String(value);
    }
  }
  checkFilteringSettings(config as unknown as Config, problems);
  if (problems.length) throw new ConfigError(problems);
  const result = config as unknown as Config;
  result.dataDir = path.resolve(result.dataDir);
  return result;
}

const FRONT_ENDS = ['proxy', 'dns'];

/** The front-ends `serve` and `filter-node` run, from the frontEnds setting. */
export function frontEndsOf(config: Pick<Config, 'frontEnds'>): { proxy: boolean; dns: boolean } {
  const names = config.frontEnds.split(',').map((n) => n.trim().toLowerCase());
  return { proxy: names.includes('proxy'), dns: names.includes('dns') };
}

function checkFilteringSettings(c: Config, problems: string[]): void {
  const names = String(c.frontEnds ?? '').split(',').map((n) => n.trim().toLowerCase()).filter(Boolean);
  if (!(names.length === 1 && names[0] === 'none') && !(names.length > 0 && names.every((n) => FRONT_ENDS.includes(n)))) {
    problems.push(`frontEnds (OSPREY_FRONT_ENDS) is '${c.frontEnds}' — use proxy, dns, proxy,dns or none`);
  }
  if (c.dnsBlockAnswer !== 'nxdomain' && c.dnsBlockAnswer !== 'block-page') {
    problems.push(`dnsBlockAnswer (OSPREY_DNS_BLOCK_ANSWER) is '${c.dnsBlockAnswer}' — use nxdomain or block-page`);
  }
  if (c.dnsBlockAnswer === 'block-page' && !c.blockPageAddress) {
    problems.push('dnsBlockAnswer (OSPREY_DNS_BLOCK_ANSWER) is block-page, but no OSPREY_BLOCK_PAGE_ADDRESS is set — give the block page server\'s address, or use nxdomain');
  }
  if (c.blockPageAddress) {
    const parts = c.blockPageAddress.split(',').map((a) => a.trim());
    if (parts.length > 2 || isIP(parts[0]) !== 4 || (parts[1] !== undefined && isIP(parts[1]) !== 6)) {
      problems.push(`blockPageAddress (OSPREY_BLOCK_PAGE_ADDRESS) is '${c.blockPageAddress}' — give an IPv4 address, optionally followed by a comma and an IPv6 address`);
    }
  }
  for (const [key, env, value] of [['proxyDnsServers', 'OSPREY_PROXY_DNS_SERVERS', c.proxyDnsServers], ['dnsUpstreams', 'OSPREY_DNS_UPSTREAMS', c.dnsUpstreams]] as const) {
    if (!value) continue;
    const bad = dnsServerList(value).filter((a) => !dnsServerAddress(a));
    if (bad.length) problems.push(`${key} (${env}) has ${bad.map((b) => `'${b}'`).join(', ')}, which ${bad.length === 1 ? 'is not an address' : 'are not addresses'} — write addresses such as 192.0.2.53, 192.0.2.53:5300 or [2001:db8::53]:53`);
  }
  if (c.dnsAllowedClients !== undefined) {
    const parsed = parseAllowedClients(c.dnsAllowedClients);
    if (typeof parsed === 'string') problems.push(`dnsAllowedClients (OSPREY_DNS_ALLOWED_CLIENTS): ${parsed}`);
  }
  for (const [key, env, value] of [['proxyAllowedDestinations', 'OSPREY_PROXY_ALLOWED_DESTINATIONS', c.proxyAllowedDestinations], ['listServers', 'OSPREY_LIST_SERVERS', c.listServers]] as const) {
    for (const entry of allowEntriesOf(value)) {
      const parsed = parseAllowEntry(entry);
      if (typeof parsed === 'string') problems.push(`${key} (${env}): ${parsed}`);
    }
  }
  for (const [key, env, value] of [['proxySafePorts', 'OSPREY_PROXY_SAFE_PORTS', c.proxySafePorts], ['proxySslPorts', 'OSPREY_PROXY_SSL_PORTS', c.proxySslPorts]] as const) {
    const parsed = parsePorts(String(value ?? ''));
    if (typeof parsed === 'string') problems.push(`${key} (${env}): ${parsed}`);
  }
  if (c.upstreamProxy && !/^http:\/\//i.test(c.upstreamProxy)) {
    problems.push(`upstreamProxy (OSPREY_UPSTREAM_PROXY) must start with http:// — for example http://proxy.example.org:8080`);
  }
}

export function dnsServerList(text: string): string[] {
  return text.split(',').map((a) => a.trim()).filter(Boolean);
}

function dnsServerAddress(text: string): boolean {
  try { parseDnsServer(text); return true; } catch { return false; }
}

/** Hides the password in an address (database, mail server, upstream proxy) before it is printed. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
}

/** A setting's value as it may be printed: secrets only as set or not, passwords in addresses hidden (issue 11). */
export function shownSetting(spec: Pick<SettingSpec, 'kind' | 'secret'>, value: unknown): string {
  if (value === undefined || value === null || value === '') return '(not set)';
  if (spec.secret) return '(set, not shown)';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (spec.kind === 'url') return redactUrl(String(value));
  return String(value);
}

export function publicUrlOf(config: Config, boundPort?: number): string {
  return config.publicUrl ?? `http://localhost:${boundPort ?? config.httpPort}`;
}
