/**
 * Phrase lists (R4.2), for people with monitoring.manage: how many phrases each category holds, importing a list
 * (with the lines that were skipped and why), and a box to test how a piece of text would be scored.
 */
import { useState } from 'react';
import { Alert, Button, Checkbox, Group, NativeSelect, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { messageOf, post } from '../api.ts';
import { Loading, Page } from '../app/Page.tsx';
import { useApi } from '../app/useApi.ts';
import { RulesPanel } from './RulesPanel.tsx';
import type { ImportResult, PhraseCategory } from './types.ts';
import type { Static } from 'typebox';
import type { PhraseCategoriesAnswer, PhraseTestResult } from '../../../src/monitoring/schemas.ts';

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function ImportForm({ categories, onDone }: { categories: PhraseCategory[]; onDone(): void }) {
  const [category, setCategory] = useState('self_harm');
  const [format, setFormat] = useState('e2guardian');
  const [file, setFile] = useState<File | null>(null);
  const [dryRun, setDryRun] = useState(true);
  const [result, setResult] = useState<ImportResult | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    if (!file) { setProblem('Choose the list file to import first.'); return; }
    setBusy(true);
    setProblem(null);
    try {
      const content = toBase64(new Uint8Array(await file.arrayBuffer()));
      setResult(await post<ImportResult>('/api/monitoring/phrases/import', { category, format, content, fileName: file.name, dryRun }));
      if (!dryRun) onDone();
    } catch (e) {
      setProblem(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Paper withBorder radius="md" p="md">
      <Stack gap="sm">
        <Title order={2} fz={18}>Import a list</Title>
        <Group align="flex-end" wrap="wrap">
          <NativeSelect label="Category" value={category} onChange={(e) => setCategory(e.currentTarget.value)} data={categories.map((c) => ({ value: c.id, label: c.name }))} />
          <NativeSelect label="Format" value={format} onChange={(e) => setFormat(e.currentTarget.value)} data={[{ value: 'e2guardian', label: 'Weighted (e2guardian)' }, { value: 'plain', label: 'One phrase per line' }]} />
          <label style={{ display: 'flex', flexDirection: 'column', fontSize: 14, fontWeight: 500 }}>
            List file
            <input type="file" accept=".txt,text/plain" onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} style={{ marginTop: 4 }} />
          </label>
        </Group>
        <Checkbox label="Check the file only (change nothing)" checked={dryRun} onChange={(e) => setDryRun(e.currentTarget.checked)} />
        <Group><Button onClick={submit} loading={busy}>{dryRun ? 'Check the file' : 'Import'}</Button></Group>
        {problem && <Alert color="red" role="alert">{problem}</Alert>}
        {result && (
          <Alert color={result.problems.length ? 'yellow' : 'green'} title={result.dryRun ? 'Checked' : 'Imported'} role="status">
            <Text>{result.read} phrases read ({result.encoding}){result.dryRun ? '; nothing was changed.' : `; ${result.added} added, ${result.changed} weights changed, ${result.unchanged} already there.`}</Text>
            {result.problems.length > 0 && (
              <>
                <Text mt="xs" fw={600}>{result.problems.length} lines skipped:</Text>
                <ul aria-label="Lines skipped">{result.problems.map((p) => <li key={p.line}>Line {p.line}: {p.message}{p.text ? ` — ${p.text}` : ''}</li>)}</ul>
              </>
            )}
          </Alert>
        )}
      </Stack>
    </Paper>
  );
}

function TestBox() {
  const [text, setText] = useState('');
  const [result, setResult] = useState<PhraseTestResult | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const run = async () => {
    try {
      setProblem(null);
      setResult(await post<PhraseTestResult>('/api/monitoring/test', { text }));
    } catch (e) {
      setProblem(messageOf(e));
    }
  };
  return (
    <Paper withBorder radius="md" p="md">
      <Stack gap="sm">
        <Title order={2} fz={18}>Test a phrase</Title>
        <Group align="flex-end">
          <TextInput label="Search term or text" description="Scored as monitoring would score a search; nothing is recorded about a pupil." value={text} onChange={(e) => setText(e.currentTarget.value)} maxLength={5000} style={{ flex: 1 }} />
          <Button onClick={run} disabled={!text.trim()}>Score it</Button>
        </Group>
        {problem && <Alert color="red" role="alert">{problem}</Alert>}
        {result && (
          <div role="status">
            {result.matches.length === 0 ? <Text>No phrases found: score 0.</Text> : (
              <>
                <Text>Scores: {Object.entries(result.scores).map(([c, s]) => `${c} ${s}`).join(', ')}</Text>
                <Text fz="sm" c="dimmed">Phrases found: {result.matches.map((m) => `${m.phrase} (${m.category}, ${m.weight > 0 ? '+' : ''}${m.weight})`).join('; ')}</Text>
              </>
            )}
          </div>
        )}
      </Stack>
    </Paper>
  );
}

export function PhrasesPage() {
  const lists = useApi<Static<typeof PhraseCategoriesAnswer>>('/api/monitoring/phrases');
  return (
    <Page title="Phrase lists" description="The phrases monitoring looks for in searches and web addresses, by risk. Text is matched however it is disguised (capitals, accents, numbers for letters, repeated or spaced-out letters, common misspellings). Good phrases lower the score, so a search for help or a lesson is not flagged.">
      {lists.error && <Alert color="red">{lists.error}</Alert>}
      {!lists.data ? <Loading /> : (
        <>
          <Paper withBorder radius="md" style={{ overflow: 'hidden' }}>
            <Table aria-label="Phrase categories" verticalSpacing="xs">
              <Table.Thead bg="gray.0"><Table.Tr><Table.Th>Category</Table.Th><Table.Th ta="right">Phrases</Table.Th></Table.Tr></Table.Thead>
              <Table.Tbody>
                {lists.data.categories.map((c) => <Table.Tr key={c.id}><Table.Td>{c.name}</Table.Td><Table.Td ta="right">{c.phrases}</Table.Td></Table.Tr>)}
                <Table.Tr><Table.Td fw={600}>Total</Table.Td><Table.Td ta="right" fw={600}>{lists.data.total}</Table.Td></Table.Tr>
              </Table.Tbody>
            </Table>
          </Paper>
          <ImportForm categories={lists.data.categories} onDone={lists.reload} />
          <TestBox />
          <RulesPanel />
        </>
      )}
    </Page>
  );
}
