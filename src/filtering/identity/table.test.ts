import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatAddress, parseRange } from '../../platform/addresses.ts';
import { IdentityTable, type IdentityTableData } from './table.ts';

const data = (): IdentityTableData => ({
  schoolId: 'oak', settings: { unidentified: 'fallback', logonMinutes: 60 },
  ranges: [
    { id: '1', schoolId: 'oak', cidr: '10.0.0.0/16', name: 'Whole site', kind: 'range', groupIds: ['site'] },
    { id: '2', schoolId: 'oak', cidr: '10.0.5.0/24', name: 'Library', kind: 'range', groupIds: ['library'] },
    { id: '3', schoolId: 'oak', cidr: '10.0.5.23/32', name: 'LIB-PC-03', kind: 'device', groupIds: ['library'] },
    { id: '4', schoolId: 'oak', cidr: '2001:db8:5::/48', name: 'Library (IPv6)', kind: 'range', groupIds: ['library'] },
  ],
  sessions: [{ ip: '10.0.5.99', expiresAt: Date.now() + 60_000, identity: { schoolId: 'oak', personId: 'p1', username: 'tom', groupIds: ['role:teacher'], source: 'web-logon' } }],
});

describe('address ranges', () => {
  it('normalises what people type, and explains what it cannot read', () => {
    assert.equal((parseRange(' 10.0.5.77/24 ') as { cidr: string }).cidr, '10.0.5.0/24');
    assert.equal((parseRange('10.0.5.23') as { cidr: string }).cidr, '10.0.5.23/32');
    assert.equal((parseRange('2001:DB8:0:0::1/64') as { cidr: string }).cidr, '2001:db8::/64');
    assert.equal((parseRange('::ffff:192.168.1.4') as { cidr: string }).cidr, '192.168.1.4/32');
    assert.match(parseRange('10.0.0.300/24') as string, /not an address or a range/);
    assert.match(parseRange('10.0.0.0/33') as string, /from 0 to 32/);
    assert.equal(formatAddress(new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])), '::1');
  });
});

describe('who is behind an address', () => {
  it('the most specific range wins: a named device inside the library inside the site', () => {
    const table = new IdentityTable(data());
    assert.deepEqual(table.identify('10.0.5.23'), { schoolId: 'oak', groupIds: ['library'], source: 'ip-range', deviceId: 'LIB-PC-03' });
    assert.deepEqual(table.identify('::ffff:10.0.5.24').groupIds, ['library']);
    assert.deepEqual(table.identify('10.0.9.1').groupIds, ['site']);
    assert.deepEqual(table.identify('2001:db8:5:1::20').groupIds, ['library']);
    assert.equal(table.identify('192.168.0.1').source, 'unidentified');
  });

  it('a web log-on beats the range; ending it falls back to the range', () => {
    const table = new IdentityTable(data());
    assert.equal(table.identify('10.0.5.99').username, 'tom');
    table.apply({ kind: 'session', ip: '10.0.5.99', session: null });
    assert.deepEqual(table.identify('10.0.5.99').groupIds, ['library']);
  });

  it('a person proven by proxy authentication is found by username', () => {
    const table = new IdentityTable(data());
    table.rememberPerson({ schoolId: 'oak', personId: 'p2', username: 'ana', groupIds: ['year-6'] });
    assert.equal(table.identify('10.0.5.23', { username: 'ANA' }).personId, 'p2');
    assert.equal(table.identify('10.0.5.23', { username: 'nobody' }).deviceId, 'LIB-PC-03');
  });

  it('a reloaded table replaces ranges and sessions', () => {
    const table = new IdentityTable(data());
    assert.equal(table.identify('10.0.9.1').source, 'ip-range');
    table.apply({ kind: 'table', data: { ...data(), ranges: [], sessions: [] } });
    assert.equal(table.identify('10.0.9.1').source, 'unidentified');
    assert.equal(table.identify('10.0.5.99').source, 'unidentified');
  });
});
