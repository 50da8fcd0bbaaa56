/** Import people from the school information system: check the files first, see what would change, then apply. */
import { useState } from 'react';
import { Accordion, Alert, Button, Checkbox, Code, FileInput, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { messageOf, post } from '../api.ts';
import { plural } from '../app/format.ts';
import { Page } from '../app/Page.tsx';
import { linkProps } from '../app/router.tsx';
import { ImportDiff } from './ImportDiff.tsx';
import type { ImportOutcome } from '../../../src/directory/schemas.ts';

const COLUMNS: [string, string][] = [
  ['id', 'The person’s ID in your school information system (it must not change from one import to the next)'],
  ['username', 'What they type to log in, e.g. j.smith'],
  ['first_name', 'First name'],
  ['last_name', 'Last name'],
  ['email', 'E-mail address (optional)'],
  ['roles', 'One or more roles separated by “;”, e.g. Teacher;Designated Safeguarding Lead, Pupil, Parent'],
  ['year', 'Pupils only: year group, e.g. Reception, Year 4 or Y10'],
  ['classes', 'Classes or forms separated by “;” (pupils are members; teachers teach them)'],
  ['teams', 'Staff only: staff teams separated by “;”, e.g. SLT;Safeguarding'],
  ['children', 'Parents and carers only: the ids of their children, separated by “;”'],
];

function HelpText() {
  return (
    <Accordion variant="contained" radius="md">
      <Accordion.Item value="help">
        <Accordion.Control>What should the files look like?</Accordion.Control>
        <Accordion.Panel>
          <Stack gap="sm">
            <Text fz="sm">Either <strong>one CSV file</strong> with a header row and these columns, or the <strong>OneRoster 1.1 CSV files</strong> your information system exports (users.csv, orgs.csv, classes.csv, enrollments.csv… – choose them all at once).</Text>
            <Table.ScrollContainer minWidth={480}>
              <Table verticalSpacing={4} fz="sm" withTableBorder aria-label="CSV columns">
                <Table.Thead><Table.Tr><Table.Th>Column</Table.Th><Table.Th>What goes in it</Table.Th></Table.Tr></Table.Thead>
                <Table.Tbody>
                  {COLUMNS.map(([c, d]) => <Table.Tr key={c}><Table.Td><Code>{c}</Code></Table.Td><Table.Td>{d}</Table.Td></Table.Tr>)}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            <Text fz="sm" c="dimmed">Importing again later updates people by their id. Anyone who was imported before but is missing from a new full file is marked as a leaver (you can turn this off below).</Text>
          </Stack>
        </Accordion.Panel>
      </Accordion.Item>
    </Accordion>
  );
}

export function ImportPage() {
  const [files, setFiles] = useState<File[]>([]);
  const [markLeavers, setMarkLeavers] = useState(true);
  const [skipInvalid, setSkipInvalid] = useState(false);
  const [contents, setContents] = useState<Record<string, string> | null>(null);
  const [checked, setChecked] = useState<ImportOutcome | null>(null);
  const [result, setResult] = useState<ImportOutcome | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<'check' | 'apply' | null>(null);

  function reset() {
    setContents(null);
    setChecked(null);
    setResult(null);
    setError(null);
    setSkipInvalid(false);
  }

  async function check() {
    if (files.length === 0) {
      setError('Choose a CSV file first.');
      return;
    }
    setBusy('check');
    setError(null);
    setChecked(null);
    setResult(null);
    try {
      const read: Record<string, string> = {};
      for (const f of files) read[f.name] = await f.text();
      setContents(read);
      setChecked(await post<ImportOutcome>('/api/import/people', { files: read, dryRun: true, markLeavers }));
    } catch (e) {
      setError(messageOf(e));
    }
    setBusy(null);
  }

  async function apply() {
    if (!contents) return;
    setBusy('apply');
    setError(null);
    try {
      const outcome = await post<ImportOutcome>('/api/import/people', { files: contents, dryRun: false, skipInvalid, markLeavers });
      if (outcome.applied) setResult(outcome);
      else {
        setChecked(outcome);
        setError('Nothing was imported because some rows have problems. Fix them, or tick “Skip the rows with problems”.');
      }
    } catch (e) {
      setError(messageOf(e));
    }
    setBusy(null);
  }

  const plan = checked?.plan;
  const nothingToDo = plan && plan.added.length + plan.changed.length + plan.leavers.length === 0;
  const blocked = Boolean(plan && plan.problems.length > 0 && !skipInvalid);

  return (
    <Page title="Import people" description="Bring staff, pupils, parents and carers in from your school information system. Osprey shows you what would change before anything is saved.">
      {result?.applied ? (
        <Paper withBorder radius="md" p="xl">
          <Stack gap="md">
            <Alert color="green" variant="light" title="The import is finished" role="status">
              {plural(result.applied.added, 'person', 'people')} added, {result.applied.changed.toLocaleString('en-GB')} changed,{' '}
              {result.applied.leavers.toLocaleString('en-GB')} marked as {result.applied.leavers === 1 ? 'a leaver' : 'leavers'}, {result.applied.unchanged.toLocaleString('en-GB')} unchanged
              {result.applied.skipped ? `, ${plural(result.applied.skipped, 'row')} with problems skipped` : ''}.
            </Alert>
            <Group>
              <Button component="a" {...linkProps('/people')}>Go to People & groups</Button>
              <Button variant="default" onClick={() => { setFiles([]); reset(); }}>Import more files</Button>
            </Group>
          </Stack>
        </Paper>
      ) : (
        <>
          <Paper withBorder radius="md" p="lg">
            <Stack gap="md">
              <Title order={2} fz={18}>1. Choose the files</Title>
              <FileInput label="CSV files" description="One CSV file in Osprey’s format, or all the OneRoster CSV files together"
                placeholder="Choose files…" multiple accept=".csv,text/csv" value={files} clearable
                clearButtonProps={{ 'aria-label': 'Remove the chosen files' }}
                onChange={(v) => { setFiles(v); reset(); }} maw={520} />
              <Checkbox label="Mark people who are not in the files as leavers" description="Leave this ticked when the files list everyone at the school."
                checked={markLeavers} onChange={(e) => { setMarkLeavers(e.currentTarget.checked); reset(); }} />
              <Group><Button onClick={check} loading={busy === 'check'} disabled={files.length === 0}>Check the files</Button></Group>
              <HelpText />
            </Stack>
          </Paper>

          {error && <Alert color="red" role="alert" title="The import could not go ahead">{error}</Alert>}

          {plan && (
            <Paper withBorder radius="md" p="lg">
              <Stack gap="md">
                <Title order={2} fz={18}>2. Check what will change</Title>
                <Text fz="sm" c="dimmed">Nothing has been saved yet. Files: {Object.keys(contents ?? {}).join(', ')} ({checked.format === 'oneroster' ? 'OneRoster' : 'CSV'}).</Text>
                <ImportDiff plan={plan}>
                  {nothingToDo ? (
                    <Alert color="green" variant="light">Everyone in the files is already in Osprey as they are. There is nothing to import.</Alert>
                  ) : (
                    <Paper p="md" radius="md" bg="osprey.0"><Stack gap="sm">
                      {plan.problems.length > 0 && (
                        <Checkbox label="Skip the rows with problems" description="Import everything else now and fix those rows later."
                          checked={skipInvalid} onChange={(e) => setSkipInvalid(e.currentTarget.checked)} />
                      )}
                      <Group>
                        <Button onClick={apply} loading={busy === 'apply'} disabled={blocked}>Import these changes</Button>
                        {blocked && <Text fz="sm" c="dimmed">Fix the problems first, or tick “Skip the rows with problems”.</Text>}
                      </Group>
                    </Stack></Paper>
                  )}
                </ImportDiff>
              </Stack>
            </Paper>
          )}
        </>
      )}
    </Page>
  );
}
