/**
 * "May we use this photo?" (R7.3): find a pupil, pick the use, get yes or no with who decided and when. Below, the
 * class-photo check: a class or a pasted list, one use, and a printable list of who may NOT appear.
 */
import { useState } from 'react';
import { Button, Group, List, NativeSelect, Paper, SegmentedControl, Stack, Table, Tabs, Text, Textarea, TextInput, Title, UnstyledButton } from '@mantine/core';
import { get, messageOf, post } from '../api.ts';
import { useAuth } from '../app/auth.tsx';
import { ErrorNote, Page } from '../app/Page.tsx';
import { Link } from '../app/router.tsx';
import { useApi } from '../app/useApi.ts';
import { AnswerCard, NameReminder } from './ConsentParts.tsx';
import type { BulkCheckAnswer, ConsentAnswer, GroupOption, PupilView, UsesAnswer } from './types.ts';

function UsePicker({ uses, value, onChange, label = 'What is the photo or video for?' }: { uses: UsesAnswer['uses']; value: string; onChange(v: string): void; label?: string }) {
  return <NativeSelect label={label} size="md" value={value} onChange={(e) => onChange(e.currentTarget.value)} data={uses.map((u) => ({ value: u.key, label: u.label }))} />;
}

const pupilLine = (p: PupilView) => `${p.name} (${p.username}${p.yearGroup ? `, ${p.yearGroup}` : ''})${p.status === 'leaver' ? ' – has left' : ''}`;

function OnePupil({ uses }: { uses: UsesAnswer['uses'] }) {
  const { can } = useAuth();
  const [text, setText] = useState('');
  const [use, setUse] = useState(uses[0]?.key ?? 'website');
  const [matches, setMatches] = useState<PupilView[] | null>(null);
  const [answer, setAnswer] = useState<ConsentAnswer | null>(null);
  /** The pupil whose line is in the box (chosen or the only match), so that Check asks about them again. */
  const [chosen, setChosen] = useState<PupilView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function check(pupil: PupilView, forUse = use) {
    setBusy(true);
    setError(null);
    try {
      setAnswer(await get<ConsentAnswer>('/api/consents/check', { pupil: pupil.id, use: forUse }));
      setMatches(null);
      setText(pupilLine(pupil));
      setChosen(pupil);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  }

  async function search() {
    if (!text.trim()) { setError('Type part of the pupil\'s name or their username.'); return; }
    if (chosen) { await check(chosen); return; }
    setBusy(true);
    setError(null);
    setAnswer(null);
    try {
      const found = (await get<{ pupils: PupilView[] }>('/api/consents/pupils', { q: text.trim() })).pupils;
      if (found.length === 1) { setBusy(false); await check(found[0]); return; }
      setMatches(found);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Stack gap="md" maw={720}>
      <form onSubmit={(e) => { e.preventDefault(); void search(); }}>
        <Stack gap="sm">
          <TextInput label="Pupil" description="Their name or username" size="md" value={text} autoComplete="off" spellCheck={false}
            onChange={(e) => { setText(e.currentTarget.value); setAnswer(null); setChosen(null); }} />
          <UsePicker uses={uses} value={use} onChange={(v) => { setUse(v); if (answer) void check(answer.pupil, v); }} />
          <Group><Button type="submit" size="md" loading={busy}>Check</Button></Group>
        </Stack>
      </form>
      <ErrorNote message={error} />
      {matches && matches.length === 0 && <Text>No pupil matches “{text}”. Check the spelling, or try their username.</Text>}
      {matches && matches.length > 1 && (
        <Paper withBorder radius="md" p="md">
          <Text fw={600} mb="xs">{matches.length === 20 ? 'At least 20' : matches.length} pupils match. Choose one:</Text>
          <Stack gap={4}>
            {matches.map((p) => (
              <UnstyledButton key={p.id} onClick={() => void check(p)} p="sm" className="osprey-row-link" style={{ borderRadius: 8, minHeight: 44 }}>{pupilLine(p)}</UnstyledButton>
            ))}
          </Stack>
        </Paper>
      )}
      {answer && <AnswerCard answer={answer} />}
      {answer && can('consents.manage') && <Link to={`/consents/pupils/${answer.pupil.id}`}>See {answer.pupil.name}'s consents, history and paper forms</Link>}
    </Stack>
  );
}

function ClassPhoto({ uses }: { uses: UsesAnswer['uses'] }) {
  const groups = useApi<{ groups: GroupOption[] }>('/api/consents/groups');
  const [mode, setMode] = useState<'group' | 'names'>('group');
  const [groupId, setGroupId] = useState('');
  const [names, setNames] = useState('');
  const [use, setUse] = useState(uses[0]?.key ?? 'website');
  const [result, setResult] = useState<BulkCheckAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function run() {
    setBusy(true);
    setError(null);
    try {
      const body = mode === 'group' ? { use, groupId } : { use, names: names.split(/\r?\n|,|;/).map((n) => n.trim()).filter(Boolean) };
      if (mode === 'group' && !groupId) throw new Error('Choose a class or group.');
      setResult(await post<BulkCheckAnswer>('/api/consents/check-bulk', body));
    } catch (e) {
      setError(messageOf(e));
      setResult(null);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Stack gap="md">
      <Stack gap="sm" maw={720} className="osprey-no-print">
        <SegmentedControl value={mode} onChange={(v) => setMode(v as 'group' | 'names')} data={[{ value: 'group', label: 'Pick a class or group' }, { value: 'names', label: 'Paste names' }]} />
        {mode === 'group' ? (
          <NativeSelect label="Class or group" size="md" value={groupId} onChange={(e) => setGroupId(e.currentTarget.value)}
            data={[{ value: '', label: groups.data ? 'Choose…' : 'Loading…' }, ...(groups.data?.groups ?? []).map((g) => ({ value: g.id, label: `${g.name} (${g.pupils} pupils)` }))]} />
        ) : (
          <Textarea label="Pupils" description="Names or usernames, one a line (or separated by commas)" autosize minRows={5} maxRows={16} value={names} onChange={(e) => setNames(e.currentTarget.value)} />
        )}
        <UsePicker uses={uses} value={use} onChange={setUse} label="For" />
        <Group><Button size="md" loading={busy} onClick={() => void run()}>Check these pupils</Button></Group>
        <ErrorNote message={error ?? groups.error} />
      </Stack>
      {result && <BulkResult result={result} />}
    </Stack>
  );
}

function BulkResult({ result }: { result: BulkCheckAnswer }) {
  return (
    <Paper withBorder radius="lg" p="lg" data-testid="bulk-result">
      <Stack gap="md">
        <Group justify="space-between" align="flex-start">
          <div>
            <Title order={2} fz={22}>{result.mayNotAppear.length === 0 ? 'Everyone checked may appear' : `${result.mayNotAppear.length} may NOT appear`}</Title>
            <Text c="dimmed">{result.group ? `${result.group}, ` : ''}{result.use.label.toLowerCase()}: {result.checked} pupils checked on {new Date().toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric' })}.</Text>
          </div>
          <Button variant="default" className="osprey-no-print" onClick={() => window.print()}>Print</Button>
        </Group>
        {result.mayNotAppear.length > 0 && (
          <Table aria-label="Pupils who may not appear">
            <Table.Thead><Table.Tr><Table.Th>Pupil</Table.Th><Table.Th>Why not</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {result.mayNotAppear.map((a) => (
                <Table.Tr key={a.pupil.id}><Table.Td fw={600}>{a.pupil.name}{a.pupil.yearGroup ? `, ${a.pupil.yearGroup}` : ''}</Table.Td><Table.Td>{a.summary.replace(/^No: /, '')}</Table.Td></Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        {result.unknown.length > 0 && (
          <div>
            <Text fw={600}>Not found – check these by hand ({result.unknown.length}):</Text>
            <List>{result.unknown.map((u) => <List.Item key={u}>{u}</List.Item>)}</List>
          </div>
        )}
        {result.ambiguous.length > 0 && (
          <div>
            <Text fw={600}>More than one pupil matches – use their usernames ({result.ambiguous.length}):</Text>
            <List>{result.ambiguous.map((a) => <List.Item key={a.typed}>{a.typed}: {a.matches.map(pupilLine).join('; ')}</List.Item>)}</List>
          </div>
        )}
        {result.mayAppear.length > 0 && (
          <div>
            <Text fw={600}>May appear ({result.mayAppear.length}):</Text>
            <Text>{result.mayAppear.map((p) => p.name).join(', ')}</Text>
          </div>
        )}
        <NameReminder text={result.reminder} />
      </Stack>
    </Paper>
  );
}

export function ConsentCheckPage() {
  const uses = useApi<UsesAnswer>('/api/consents/uses');
  return (
    <Page title="Photo and video consent" description="Check whether a pupil's photo or video may be used, before you use it. With no consent on record, the answer is no.">
      <ErrorNote message={uses.error} />
      {uses.data && (
        <Tabs defaultValue="one" keepMounted={false}>
          <Tabs.List className="osprey-no-print">
            <Tabs.Tab value="one">One pupil</Tabs.Tab>
            <Tabs.Tab value="class">A class photo</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="one" pt="md"><OnePupil uses={uses.data.uses} /></Tabs.Panel>
          <Tabs.Panel value="class" pt="md"><ClassPhoto uses={uses.data.uses} /></Tabs.Panel>
        </Tabs>
      )}
    </Page>
  );
}
