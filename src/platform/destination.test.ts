import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_DESTINATIONS, DestinationRules, literalAddress, parseAllowEntry, parsePorts } from './destination.ts';

const rules = (allowed: string[] = [], allowPrivate = false) => new DestinationRules({ ...DEFAULT_DESTINATIONS, allowed, allowPrivate });
const kind = (r: DestinationRules, address: string, port = 80, use: 'http' | 'tunnel' = 'http') => r.check(address, port, use)?.kind ?? 'open';

describe('the destination rule', () => {
  it('reads every spelling of an address as a browser does', () => {
    for (const spelling of ['127.1', '2130706433', '0x7f000001', '0177.0.0.1', '127.0.0.1.', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '::127.0.0.1', '64:ff9b::7f00:1']) {
      assert.equal(literalAddress(spelling), '127.0.0.1', spelling);
    }
    assert.equal(literalAddress('example.com'), null);
    assert.equal(literalAddress('cafe.example'), null);
  });

  it('opens public addresses and refuses the server\'s own kinds of address, private ranges unless allowed', () => {
    const r = rules();
    assert.equal(kind(r, '198.18.0.2'), 'open');
    assert.equal(kind(r, '2001:db8::1'), 'open');
    assert.equal(kind(r, '127.0.0.1'), 'loopback');
    assert.equal(kind(r, '::ffff:127.0.0.1'), 'loopback');
    assert.equal(kind(r, '0.0.0.0'), 'unspecified');
    assert.equal(kind(r, '169.254.169.254'), 'link-local');
    assert.equal(kind(r, '239.1.1.1'), 'multicast');
    assert.equal(kind(r, '10.0.0.1'), 'private');
    assert.equal(kind(rules([], true), '10.0.0.1'), 'open');
    assert.equal(kind(rules([], true), '127.0.0.1'), 'loopback', 'allowing private ranges does not open loopback');
  });

  it('a range opens private addresses only; loopback needs an exact entry, and an entry\'s port is opened with it', () => {
    assert.equal(kind(rules(['0.0.0.0/0']), '127.0.0.1'), 'loopback');
    assert.equal(kind(rules(['10.0.5.0/24']), '10.0.5.7'), 'open');
    assert.equal(kind(rules(['10.0.5.0/24']), '10.0.6.7'), 'private');
    const exact = rules(['127.0.0.1:8081']);
    assert.equal(kind(exact, '127.0.0.1', 8081), 'open');
    assert.equal(kind(exact, '127.0.0.1', 8082), 'loopback');
    assert.equal(kind(exact, '127.0.0.1', 8081, 'tunnel'), 'open', 'the entry\'s port is open for tunnels too');
    assert.equal(kind(rules(['[::ffff:7f00:2]']), '127.0.0.2'), 'open', 'an entry in an IPv6 form of an IPv4 address');
  });

  it('ports as Squid: Safe_ports for plain HTTP, 443 only for tunnels', () => {
    const r = rules();
    for (const port of [80, 443, 21, 8080, 65535]) assert.equal(kind(r, '198.18.0.2', port), 'open', String(port));
    for (const port of [22, 25, 1024]) assert.equal(kind(r, '198.18.0.2', port), 'port', String(port));
    assert.equal(kind(r, '198.18.0.2', 443, 'tunnel'), 'open');
    assert.equal(kind(r, '198.18.0.2', 8443, 'tunnel'), 'port');
  });

  it('explains a mistake in an entry or a port list', () => {
    assert.match(String(parseAllowEntry('intranet:99999')), /has a port that does not exist/);
    assert.match(String(parseAllowEntry('10.0.0.0/33')), /prefix .* must be a whole number from 0 to 32/);
    assert.match(String(parseAllowEntry('not a host!')), /is not an address, a range or a host name — write it like/);
    assert.deepEqual(parseAllowEntry('Lists.School.Internal.:8080'), { text: 'Lists.School.Internal.:8080', name: 'lists.school.internal', port: 8080 });
    assert.match(String(parsePorts('80,http')), /'http' is not a port/);
    assert.match(String(parsePorts('')), /no ports are given/);
  });
});
