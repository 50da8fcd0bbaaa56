/** A policy's own "Always block" or "Always allow" list: websites, web addresses or patterns, each with a note. */
import { useState } from 'react';
import { Button, CloseButton, Group, Paper, Select, SimpleGrid, Stack, Table, Text, TextInput, Title, VisuallyHidden } from '@mantine/core';
import { KIND_LABELS, newId } from './labels.tsx';
import type { LocalEntry, LocalEntryKind } from './types.ts';

const KIND_OPTIONS = [
  { value: 'domain', label: 'Website (and its subdomains)' },
  { value: 'url', label: 'Web address (one part of a site)' },
  { value: 'regex', label: 'Pattern (advanced)' },
];

const KIND_HINTS: Record<LocalEntryKind, { placeholder: string; description: string }> = {
  domain: { placeholder: 'example.com', description: 'Just the name, e.g. example.com. It covers www.example.com and every other subdomain.' },
  url: { placeholder: 'example.com/games/', description: 'A site and a path, e.g. example.com/games/. It covers every page that starts with it.' },
  regex: { placeholder: '^https?://[^/]*\\.example\\.com/.*games', description: 'An RE2 regular expression, matched against host:port/path (as squidGuard does), or against the whole web address when it contains ://. Ask your technician.' },
};

/** Tidies what was typed; returns an error message instead when it cannot be used as this kind. */
function clean(kind: LocalEntryKind, text: string): { value: string } | { error: string } {
  const t = text.trim();
  if (!t) return { error: 'Enter what to add.' };
  if (kind === 'regex') return { value: t };
  const noScheme = t.replace(/^https?:\/\//i, '');
  if (kind === 'domain') {
    const host = noScheme.replace(/\/+$/, '').toLowerCase();
    if (host.includes('/')) return { error: 'A website is just its name, like example.com. To add one part of a site, choose “Web address”.' };
    if (/\s/.test(host) || !host.includes('.')) return { error: 'Write the website like example.com.' };
    return { value: host };
  }
  const [host, ...path] = noScheme.split('/');
  if (!host || path.join('/') === '') {
    return { error: 'A web address needs a path after the site, like example.com/games/. For a whole site choose “Website”.' };
  }
  return { value: `${host.toLowerCase()}/${path.join('/')}` };
}

export function LocalListEditor({ list, title, help, entries, other, editable, onChange }: {
  /** 'block' or 'allow', for ids and labels. */
  list: 'block' | 'allow'; title: string; help: string; entries: LocalEntry[];
  /** The other list, to point out an entry on both. */
  other: { title: string; entries: LocalEntry[] };
  editable: boolean; onChange(next: LocalEntry[]): void;
}) {
  const [kind, setKind] = useState<LocalEntryKind>('domain');
  const [value, setValue] = useState('');
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const headingId = `local-${list}`;
  const hint = KIND_HINTS[kind];

  function add() {
    const cleaned = clean(kind, value);
    if ('error' in cleaned) { setError(cleaned.error); return; }
    if (entries.some((e) => e.kind === kind && e.value.toLowerCase() === cleaned.value.toLowerCase())) {
      setError(`${cleaned.value} is already on this list.`);
      return;
    }
    onChange([...entries, { id: newId(list), kind, value: cleaned.value, ...(note.trim() ? { note: note.trim() } : {}) }]);
    setValue('');
    setNote('');
    setError(null);
  }

  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby={headingId}>
      <Stack gap="sm">
        <div>
          <Title order={3} fz={17} id={headingId}>{title}</Title>
          <Text fz="sm" c="dimmed">{help}</Text>
        </div>
        {entries.length === 0 ? <Text fz="sm" c="dimmed">Nothing on this list.</Text> : (
          <Table.ScrollContainer minWidth={480}>
            <Table verticalSpacing={6} aria-labelledby={headingId} data-testid={`local-${list}-table`}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Site or address</Table.Th><Table.Th>Kind</Table.Th><Table.Th>Note</Table.Th>
                  {editable && <Table.Th><VisuallyHidden>Remove</VisuallyHidden></Table.Th>}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {entries.map((e) => {
                  const both = other.entries.some((o) => o.kind === e.kind && o.value === e.value);
                  return (
                    <Table.Tr key={e.id}>
                      <Table.Td style={{ wordBreak: 'break-all' }}>
                        <Text ff="monospace" fz="sm">{e.value}</Text>
                        {both && <Text fz="xs" c="dimmed">Also on {other.title}. {list === 'block' ? 'This list wins.' : `${other.title} wins.`}</Text>}
                      </Table.Td>
                      <Table.Td fz="sm">{KIND_LABELS[e.kind] ?? e.kind}</Table.Td>
                      <Table.Td fz="sm">{e.note || '—'}</Table.Td>
                      {editable && (
                        <Table.Td ta="right" w={48}>
                          <CloseButton aria-label={`Remove ${e.value} from ${title}`} onClick={() => onChange(entries.filter((x) => x.id !== e.id))} />
                        </Table.Td>
                      )}
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {editable && (
          <form noValidate onSubmit={(ev) => { ev.preventDefault(); add(); }} aria-label={`Add to ${title}`}>
            <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
              <Select label="Kind" data={KIND_OPTIONS} value={kind} allowDeselect={false} onChange={(v) => { setKind((v ?? 'domain') as LocalEntryKind); setError(null); }} />
              <TextInput label={kind === 'regex' ? 'Pattern' : kind === 'url' ? 'Web address' : 'Website'} placeholder={hint.placeholder}
                value={value} onChange={(ev) => { setValue(ev.currentTarget.value); setError(null); }} error={error} spellCheck={false} autoCapitalize="none"
                autoComplete="off" ff={kind === 'regex' ? 'monospace' : undefined} />
              <TextInput label="Note (optional)" placeholder="Why it is on the list" value={note} onChange={(ev) => setNote(ev.currentTarget.value)} maxLength={500} />
            </SimpleGrid>
            <Group justify="space-between" align="flex-start" mt="xs" wrap="wrap">
              <Text fz="xs" c="dimmed" maw={520}>{hint.description}</Text>
              <Button type="submit" variant="light">Add to {title}</Button>
            </Group>
          </form>
        )}
      </Stack>
    </Paper>
  );
}
