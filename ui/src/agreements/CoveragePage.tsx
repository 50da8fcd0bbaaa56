/**
 * Who has not signed (R6.5), by agreement, group or class, role and status, with a printable list for class
 * teachers and e-mail reminders (to staff, and to the parents of pupils) for the people shown.
 */
import { useState } from 'react';
import { Badge, Button, Group, Paper, Select, Stack, Table, Text } from '@mantine/core';
import { messageOf, post } from '../api.ts';
import { useMe } from '../app/auth.tsx';
import { useFlash } from '../app/flash.tsx';
import { formatDate, plural } from '../app/format.ts';
import { ErrorNote, Loading, Page } from '../app/Page.tsx';
import { Link, navigate, useLocation } from '../app/router.tsx';
import { useApi } from '../app/useApi.ts';
import { STATUS_COLOUR, type Coverage, type TemplateSummary } from './types.ts';
import type { Group as GroupRow } from '../app/types.ts';
import type { RemindersAnswer } from '../../../src/agreements/schemas.ts';

const STATUS_OPTIONS = [
  { value: 'not_signed', label: 'Not signed' }, { value: 'unsigned', label: 'Not signed, internet held back' },
  { value: 'grace', label: 'In grace period' }, { value: 'signed', label: 'Signed' },
];
const ROLE_OPTIONS = [
  { value: 'pupil', label: 'Pupils' }, { value: 'teacher', label: 'Teachers' }, { value: 'support_staff', label: 'Support staff' },
  { value: 'governor', label: 'Governors' }, { value: 'parent', label: 'Parents and carers' }, { value: 'volunteer', label: 'Volunteers' },
  { value: 'network_manager', label: 'Network manager / technician' },
];
const SHORT_STATUS = { signed: 'Signed', grace: 'Grace period', unsigned: 'Not signed' } as const;

export function CoveragePage() {
  const me = useMe();
  const flash = useFlash();
  const { search } = useLocation();
  const filters = { templateId: search.get('templateId') ?? '', groupId: search.get('groupId') ?? '', role: search.get('role') ?? '', status: search.get('status') ?? 'not_signed' };
  const setFilter = (key: keyof typeof filters, value: string | null) => {
    const next = new URLSearchParams({ ...filters, [key]: value ?? '' });
    for (const [k, v] of [...next.entries()]) if (!v) next.delete(k);
    navigate(`/agreements/coverage?${next.toString()}`, { replace: true });
  };
  const coverage = useApi<Coverage>('/api/agreements/coverage', filters);
  const templates = useApi<{ templates: TemplateSummary[] }>('/api/agreements/templates');
  const groups = useApi<{ groups: GroupRow[] }>(me.permissions.includes('groups.read') ? '/api/groups' : null);
  const [sending, setSending] = useState(false);
  const canManage = me.permissions.includes('agreements.manage');
  const groupName = groups.data?.groups.find((g) => g.id === filters.groupId)?.name;

  const remind = async () => {
    const people = [...new Set((coverage.data?.people ?? []).filter((p) => p.status !== 'signed').map((p) => p.person.id))];
    if (people.length === 0) return;
    if (!window.confirm(`E-mail a reminder about ${plural(people.length, 'person', 'people')} who have not signed (parents for pupils)?`)) return;
    setSending(true);
    try {
      const r = await post<RemindersAnswer>('/api/agreements/reminders', { personIds: people, ...(filters.templateId ? { templateId: filters.templateId } : {}) });
      flash.show(`${plural(r.emails, 'reminder')} queued.${r.unreachable.length ? ` ${plural(r.unreachable.length, 'person', 'people')} have no e-mail address on record.` : ''}`, 'green');
      coverage.reload();
    } catch (e) {
      flash.show(messageOf(e), 'red');
    } finally {
      setSending(false);
    }
  };

  return (
    <Page title="Who has not signed" description={coverage.data ? `School year ${coverage.data.schoolYear.name}.` : undefined}
      actions={<>
        <Button variant="default" className="osprey-no-print" onClick={() => window.print()}>Print list</Button>
        {canManage && <Button className="osprey-no-print" onClick={remind} loading={sending}>Send reminders</Button>}
      </>}>
      <Paper withBorder radius="lg" p="md" className="osprey-no-print">
        <Group gap="md" wrap="wrap" align="flex-end">
          <Select label="Agreement" placeholder="All agreements" clearable data={(templates.data?.templates ?? []).filter((t) => t.currentVersion).map((t) => ({ value: t.id, label: t.name }))} value={filters.templateId || null} onChange={(v) => setFilter('templateId', v)} w={280} />
          <Select label="Group or class" placeholder="All groups" clearable searchable data={(groups.data?.groups ?? []).map((g) => ({ value: g.id, label: `${g.name} (${g.kind.replace('_', ' ')})` }))} value={filters.groupId || null} onChange={(v) => setFilter('groupId', v)} w={240} />
          <Select label="Role" placeholder="All roles" clearable data={ROLE_OPTIONS} value={filters.role || null} onChange={(v) => setFilter('role', v)} w={200} />
          <Select label="Status" data={STATUS_OPTIONS} value={filters.status} onChange={(v) => setFilter('status', v ?? 'not_signed')} w={240} />
        </Group>
      </Paper>
      <ErrorNote message={coverage.error} />
      {!coverage.data && !coverage.error && <Loading />}
      {coverage.data && (
        <Stack gap="sm">
          <Text className="osprey-print-only" fw={700} fz="lg">Acceptable Use Agreements — {STATUS_OPTIONS.find((s) => s.value === filters.status)?.label}{groupName ? ` — ${groupName}` : ''} — printed {formatDate(new Date().toISOString())}</Text>
          <Text role="status"><strong>{coverage.data.counts.total}</strong> shown: {coverage.data.counts.signed} signed, {coverage.data.counts.grace} in grace period, {coverage.data.counts.unsigned} not signed.</Text>
          {coverage.data.people.length === 0 ? <Text c="dimmed">Nobody matches these filters.</Text> : (
            <Table.ScrollContainer minWidth={700}>
              <Table className="osprey-print-table" striped verticalSpacing={6}>
                <Table.Thead>
                  <Table.Tr><Table.Th>Name</Table.Th><Table.Th>Year / class</Table.Th><Table.Th>Agreement</Table.Th><Table.Th>Status</Table.Th><Table.Th>Last reminder</Table.Th></Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {coverage.data.people.map((row) => (
                    <Table.Tr key={`${row.person.id}:${row.template.id}`}>
                      <Table.Td>{row.person.name}</Table.Td>
                      <Table.Td>{[row.person.yearGroup, ...row.person.classes].filter(Boolean).join(', ') || '—'}</Table.Td>
                      <Table.Td>{row.template.name}</Table.Td>
                      <Table.Td>
                        <Badge color={STATUS_COLOUR[row.status]} variant="light">{SHORT_STATUS[row.status]}</Badge>
                        {row.status === 'grace' && row.graceUntil && <Text span size="sm"> until {formatDate(row.graceUntil)}</Text>}
                        {row.signature && <Text span size="sm"> {formatDate(row.signature.signedAt)} · <Link to={`/agreements/signed/${row.signature.id}`}>view</Link></Text>}
                      </Table.Td>
                      <Table.Td>{formatDate(row.lastReminderAt)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
        </Stack>
      )}
    </Page>
  );
}
