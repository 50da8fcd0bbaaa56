/** Choose people from the school's directory by name, with their part and kind, for the incident forms. */
import { useMemo, useState } from 'react';
import { ActionIcon, Autocomplete, Group, Select, Stack, Table, Text, TextInput, Button, VisuallyHidden } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import type { PersonSummary } from '../app/types.ts';
import { useApi } from '../app/useApi.ts';
import { KIND_LABELS, PART_LABELS, type InvolvedPerson, type PersonKind, type PersonPart } from './types.ts';

const STAFF = ['administrator', 'headteacher', 'slt', 'online_safety_lead', 'dsl', 'deputy_dsl', 'network_manager', 'teacher', 'support_staff', 'dpo'];
const kindOf = (p: PersonSummary): PersonKind => (p.roles.includes('pupil') ? 'pupil' : p.roles.some((r) => STAFF.includes(r)) ? 'staff' : p.roles.includes('parent') ? 'parent' : 'other');
const partOptions = Object.entries(PART_LABELS).map(([value, label]) => ({ value, label }));

export function PeoplePicker({ value, onChange, canSearch }: { value: InvolvedPerson[]; onChange(v: InvolvedPerson[]): void; canSearch: boolean }) {
  const [text, setText] = useState('');
  const [part, setPart] = useState<PersonPart>('victim');
  const [other, setOther] = useState('');
  const [otherKind, setOtherKind] = useState<PersonKind>('other');
  const [debounced] = useDebouncedValue(text.trim(), 250);
  const found = useApi<{ people: PersonSummary[] }>(canSearch && debounced.length >= 2 ? '/api/people' : null, { q: debounced, limit: 8 });
  const options = useMemo(() => new Map((found.data?.people ?? []).map((p) => [`${p.givenName} ${p.familyName} (${p.yearGroup ?? p.username})`, p])), [found.data]);

  const add = (p: InvolvedPerson) => { onChange([...value.filter((x) => !(x.personId && x.personId === p.personId)), p]); };

  return (
    <Stack gap="xs">
      {value.length > 0 && (
        <Table aria-label="People involved" withTableBorder>
          <Table.Thead><Table.Tr><Table.Th>Name</Table.Th><Table.Th>Who</Table.Th><Table.Th>Part</Table.Th><Table.Th><VisuallyHidden>Remove</VisuallyHidden></Table.Th></Table.Tr></Table.Thead>
          <Table.Tbody>
            {value.map((p, i) => (
              <Table.Tr key={`${p.personId ?? p.name}-${i}`}>
                <Table.Td>{p.name}</Table.Td><Table.Td>{KIND_LABELS[p.kind]}</Table.Td><Table.Td>{PART_LABELS[p.part]}</Table.Td>
                <Table.Td><ActionIcon variant="subtle" color="red" aria-label={`Remove ${p.name}`} onClick={() => onChange(value.filter((_, j) => j !== i))}>✕</ActionIcon></Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Group align="flex-end" gap="sm" wrap="wrap">
        <Select label="Their part" data={partOptions} value={part} onChange={(v) => setPart((v ?? 'victim') as PersonPart)} allowDeselect={false} w={150} />
        {canSearch && (
          <Autocomplete label="Pupil or member of staff" description="Type two letters of their name, then choose" value={text} onChange={setText}
            data={[...options.keys()]} filter={({ options: all }) => all} autoComplete="off" w={320}
            onOptionSubmit={(label) => {
              const p = options.get(label);
              if (!p) return;
              add({ personId: p.id, name: `${p.givenName} ${p.familyName}`, kind: kindOf(p), part });
              setText('');
            }} />
        )}
      </Group>
      <Group align="flex-end" gap="sm" wrap="wrap">
        <TextInput label={canSearch ? 'Or someone not in the list' : 'Name (if you know it)'} description="A parent, someone outside school, or “unknown adult online”" value={other} onChange={(e) => setOther(e.currentTarget.value)} w={320} />
        <Select label="Who they are" data={[{ value: 'parent', label: KIND_LABELS.parent }, { value: 'other', label: KIND_LABELS.other }]} value={otherKind} onChange={(v) => setOtherKind((v ?? 'other') as PersonKind)} allowDeselect={false} w={180} />
        <Button variant="default" disabled={!other.trim()} onClick={() => { add({ personId: null, name: other.trim(), kind: otherKind, part }); setOther(''); }}>Add person</Button>
      </Group>
      {!value.length && <Text fz="sm" c="dimmed">Nobody added yet. You can leave this for the safeguarding team.</Text>}
    </Stack>
  );
}
