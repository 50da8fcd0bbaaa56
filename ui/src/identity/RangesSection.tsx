/**
 * Address ranges and named devices, and the groups whose policies they get: a table to read at a glance, with a
 * dialog to add or change one and a confirmation before removing one.
 */
import { useMemo, useRef, useState } from 'react';
import { Alert, Badge, Button, Group, Paper, Table, Text, TextInput, VisuallyHidden } from '@mantine/core';
import { api, messageOf } from '../api.ts';
import { ConfirmButton } from '../app/ConfirmButton.tsx';
import { plural } from '../app/format.ts';
import { ErrorNote, Loading } from '../app/Page.tsx';
import type { Group as GroupRow } from '../app/types.ts';
import { useApi } from '../app/useApi.ts';
import { KIND_LABELS as GROUP_KIND_LABELS } from '../directory/labels.tsx';
import { targetLabel } from '../filtering/labels.tsx';
import { addressOf, rangeSize, Section } from './parts.tsx';
import { RangeForm } from './RangeForm.tsx';
import type { AddressEntry } from './types.ts';

const KIND_LABELS = { range: 'Range', device: 'Device' } as const;
/** Above this many entries a box to find one is shown. */
const FIND_FROM = 8;

/**
 * A group's name, with its kind when another group has the same name (a school may have a key stage and a staff
 * team both called "KS2").
 */
function groupName(target: string, byId: Map<string, GroupRow>, shared: Set<string>): string {
  const g = byId.get(target);
  return g && shared.has(g.name) ? `${g.name} (${(GROUP_KIND_LABELS[g.kind] ?? g.kind).toLowerCase()})` : targetLabel(target, byId);
}

function GroupNames({ entry, name }: { entry: AddressEntry; name(target: string): string }) {
  if (entry.groupIds.length === 0) return <Text fz="sm" c="dimmed">No groups</Text>;
  return (
    <Group gap={4} wrap="wrap">
      {entry.groupIds.map((g) => (
        <Badge key={g} variant="light" color="gray" c="dark.7" radius="sm" tt="none" fw={600} size="md" style={{ border: '1px solid var(--mantine-color-gray-3)' }}>
          {name(g)}
        </Badge>
      ))}
    </Group>
  );
}

export function RangesSection({ groups, groupsError }: { groups: GroupRow[] | undefined; groupsError: string | null }) {
  const ranges = useApi<{ ranges: AddressEntry[] }>('/api/identity/ranges');
  const [editing, setEditing] = useState<{ entry: AddressEntry | null; key: number } | null>(null);
  const [note, setNote] = useState<{ color: string; text: string } | null>(null);
  const [find, setFind] = useState('');
  const byId = useMemo(() => new Map((groups ?? []).map((g) => [g.id, g])), [groups]);
  const shared = useMemo(() => {
    const seen = new Set<string>();
    const twice = new Set<string>();
    for (const g of groups ?? []) (seen.has(g.name) ? twice : seen).add(g.name);
    return twice;
  }, [groups]);
  const nameOf = (target: string) => groupName(target, byId, shared);

  const all = useMemo(() => [...(ranges.data?.ranges ?? [])]
    .sort((a, b) => a.name.localeCompare(b.name, 'en-GB', { numeric: true, sensitivity: 'base' })), [ranges.data]);
  const wanted = find.trim().toLowerCase();
  const rows = wanted
    ? all.filter((r) => [r.name, r.cidr, r.note, ...r.groupIds.map(nameOf)].some((t) => t.toLowerCase().includes(wanted)))
    : all;

  async function remove(entry: AddressEntry) {
    try {
      await api('DELETE', `/api/identity/ranges/${entry.id}`);
      setNote({ color: 'green', text: `${entry.name} (${addressOf(entry)}) was removed.` });
    } catch (e) {
      setNote({ color: 'red', text: `${entry.name} was not removed: ${messageOf(e)}` });
    }
    ranges.reload();
  }

  // The form is removed when it closes (so it opens fresh each time), which skips the dialog's own return of focus.
  const opener = useRef<HTMLElement | null>(null);
  const open = (entry: AddressEntry | null) => {
    opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    setNote(null);
    setEditing({ entry, key: Date.now() });
  };
  const close = () => {
    setEditing(null);
    window.requestAnimationFrame(() => opener.current?.focus());
  };

  return (
    <Section id="ranges" title="Address ranges and devices"
      description="Requests from these addresses are filtered with the policies of the groups you choose, unless someone has logged on at the device. A device inside a range counts as the device."
      actions={<Button onClick={() => open(null)}>Add a range or device</Button>}>
      {note && (
        <Alert color={note.color} variant="light" role={note.color === 'red' ? 'alert' : 'status'} withCloseButton closeButtonLabel="Close this message" onClose={() => setNote(null)}>
          {note.text}
        </Alert>
      )}
      <ErrorNote message={ranges.error} title="The address ranges and devices could not be loaded" />
      {!ranges.data && !ranges.error && <Loading label="Loading the address ranges and devices…" />}
      {ranges.data && all.length === 0 && (
        <Paper withBorder p="xl" radius="md" ta="center">
          <Text fw={600}>No address ranges or devices yet</Text>
          <Text c="dimmed" fz="sm" mt={4}>
            Until you add some, everyone who has not logged on gets what you choose under “Devices nobody can identify” below.
          </Text>
        </Paper>
      )}
      {all.length > FIND_FROM && (
        <TextInput label="Find a range or device" description="By name, address, group or note" value={find} maw={420}
          onChange={(e) => setFind(e.currentTarget.value)} />
      )}
      {all.length > 0 && (
        <Paper withBorder radius="md" style={{ overflow: 'hidden' }}>
          <Table.ScrollContainer minWidth={720}>
            <Table verticalSpacing="sm" striped aria-label="Address ranges and devices">
              <Table.Thead bg="gray.0">
                <Table.Tr>
                  <Table.Th>Name</Table.Th><Table.Th>Address or range</Table.Th><Table.Th>Kind</Table.Th><Table.Th>Groups</Table.Th>
                  <Table.Th>Note</Table.Th><Table.Th><VisuallyHidden>Change or remove</VisuallyHidden></Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((r) => (
                  <Table.Tr key={r.id} style={{ verticalAlign: 'top' }} data-testid="address-entry">
                    <Table.Td><Text fz="sm" fw={650}>{r.name}</Text></Table.Td>
                    <Table.Td>
                      <Text fz="sm" ff="monospace">{addressOf(r)}</Text>
                      {r.kind === 'range' && rangeSize(r.cidr) && <Text fz="xs" c="dimmed">{rangeSize(r.cidr)}</Text>}
                    </Table.Td>
                    <Table.Td fz="sm">{KIND_LABELS[r.kind]}</Table.Td>
                    <Table.Td maw={320}><GroupNames entry={r} name={nameOf} /></Table.Td>
                    <Table.Td maw={280}><Text fz="sm" c={r.note ? undefined : 'dimmed'} style={{ wordBreak: 'break-word' }}>{r.note || '—'}</Text></Table.Td>
                    <Table.Td>
                      <Group gap="xs" wrap="nowrap" justify="flex-end">
                        <Button size="xs" variant="light" aria-label={`Edit ${r.name}`} onClick={() => open(r)}>Edit</Button>
                        {/* Shade 9 for the dialog's filled button: white on Mantine's usual red is below 4.5:1 (WCAG 1.4.3). */}
                        <ConfirmButton size="xs" variant="default" c="red.9" color="red.9" aria-label={`Remove ${r.name}`} title={`Remove ${r.name}?`} confirmLabel="Remove"
                          message={<Text>
                            {r.kind === 'device' ? 'The device' : 'Devices'} at <Text span ff="monospace">{addressOf(r)}</Text> will no longer be put
                            in {r.groupIds.length ? r.groupIds.map(nameOf).join(', ') : 'any group'}. Anyone browsing there who has
                            not logged on will be treated as unidentified.
                          </Text>}
                          onConfirm={() => remove(r)}>Remove</ConfirmButton>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
                {rows.length === 0 && (
                  <Table.Tr><Table.Td colSpan={6}><Text fz="sm" c="dimmed" ta="center" py="sm">Nothing matches “{find.trim()}”.</Text></Table.Td></Table.Tr>
                )}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      )}
      {all.length > 0 && <Text fz="xs" c="dimmed">{plural(all.filter((r) => r.kind === 'range').length, 'range')} and {plural(all.filter((r) => r.kind === 'device').length, 'device')}.</Text>}
      {editing && (
        <RangeForm key={editing.key} entry={editing.entry} groups={groups ?? []} groupsError={groupsError} opened onClose={close}
          onSaved={(saved, added) => {
            close();
            setNote({ color: 'green', text: `${saved.name} (${addressOf(saved)}) was ${added ? 'added' : 'saved'}. It is in force for the next web request.` });
            ranges.reload();
          }} />
      )}
    </Section>
  );
}
