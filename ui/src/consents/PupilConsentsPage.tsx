/**
 * One pupil's consents for the office (`consents.manage`): the answer for every use, the adults linked to the pupil
 * and whether they have parental responsibility, a form to record a paper consent form, and the full history.
 */
import { useState } from 'react';
import { Button, Group, NativeSelect, Paper, SegmentedControl, SimpleGrid, Stack, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import { messageOf, post } from '../api.ts';
import { ConfirmButton } from '../app/ConfirmButton.tsx';
import { useFlash } from '../app/flash.tsx';
import { ErrorNote, Loading, Page } from '../app/Page.tsx';
import { Link } from '../app/router.tsx';
import { useApi } from '../app/useApi.ts';
import { HistoryTable, NameReminder, YesNo } from './ConsentParts.tsx';
import type { PupilConsentRecord } from './types.ts';
import type { Static } from 'typebox';
import type { RecordedAnswerSchema } from '../../../src/agreements/consent-schemas.ts';

function PaperForm({ record, onSaved }: { record: PupilConsentRecord; onSaved(): void }) {
  const flash = useFlash();
  const withResponsibility = record.adults.filter((a) => a.hasResponsibility);
  const [parentId, setParentId] = useState(withResponsibility[0]?.id ?? '');
  const [answers, setAnswers] = useState<Record<string, '' | 'yes' | 'no'>>({});
  const [formDated, setFormDated] = useState(new Date().toISOString().slice(0, 10));
  const [formKeptAt, setFormKeptAt] = useState('');
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function save() {
    setBusy(true);
    setError(null);
    try {
      const decisions = Object.fromEntries(Object.entries(answers).filter(([, v]) => v).map(([k, v]) => [k, v === 'yes']));
      const r = await post<Static<typeof RecordedAnswerSchema>>(`/api/consents/pupils/${record.pupil.id}/paper`, { parentId, decisions, formDated, formKeptAt, note });
      flash.show(`The paper form has been recorded (${r.recorded} answers).`);
      setAnswers({});
      onSaved();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  }

  if (withResponsibility.length === 0) {
    return <Text>No adult with parental responsibility is linked to {record.pupil.name}. Link a parent or carer on the pupil's page in People &amp; groups first.</Text>;
  }
  return (
    <Stack gap="sm">
      <NativeSelect label="Signed by" value={parentId} onChange={(e) => setParentId(e.currentTarget.value)} data={withResponsibility.map((a) => ({ value: a.id, label: a.name }))} />
      <Table aria-label="Answers on the form">
        <Table.Tbody>
          {record.current.map((c) => (
            <Table.Tr key={c.use.key}>
              <Table.Td>{c.use.label}</Table.Td>
              <Table.Td>
                <SegmentedControl size="sm" value={answers[c.use.key] ?? ''} onChange={(v) => setAnswers({ ...answers, [c.use.key]: v as '' | 'yes' | 'no' })}
                  aria-label={c.use.label} data={[{ value: '', label: 'Not on the form' }, { value: 'yes', label: 'Yes' }, { value: 'no', label: 'No' }]} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <TextInput label="Date on the form" type="date" value={formDated} onChange={(e) => setFormDated(e.currentTarget.value)} />
        <TextInput label="Where the form is kept" placeholder="e.g. Office, consent forms folder 2026–27" value={formKeptAt} onChange={(e) => setFormKeptAt(e.currentTarget.value)} />
      </SimpleGrid>
      <Textarea label="Note (optional)" value={note} onChange={(e) => setNote(e.currentTarget.value)} />
      <ErrorNote message={error} />
      <Group><Button loading={busy} onClick={() => void save()}>Record the paper form</Button></Group>
    </Stack>
  );
}

export function PupilConsentsPage({ id }: { id: string }) {
  const record = useApi<PupilConsentRecord>(`/api/consents/pupils/${id}`);
  const flash = useFlash();
  const [error, setError] = useState<string | null>(null);
  const r = record.data;
  if (!r) return record.error ? <ErrorNote message={record.error} /> : <Loading />;

  async function setResponsibility(parentId: string, hasResponsibility: boolean) {
    try {
      await post(`/api/consents/pupils/${id}/responsibility`, { parentId, hasResponsibility });
      flash.show('Parental responsibility has been recorded.');
      record.reload();
    } catch (e) {
      setError(messageOf(e));
    }
  }

  return (
    <Page title={`Consents: ${r.pupil.name}`} description={<>{r.pupil.username}{r.pupil.yearGroup ? `, ${r.pupil.yearGroup}` : ''}{r.pupil.status === 'leaver' ? ' – has left the school: every answer is no.' : ''} <Link to="/consents">Back to the check</Link></>}>
      <ErrorNote message={error} />
      <Paper withBorder radius="lg" p="lg">
        <Title order={2} fz={20} mb="sm">Now</Title>
        <Table aria-label="Consent now">
          <Table.Tbody>
            {r.current.map((c) => (
              <Table.Tr key={c.use.key}><Table.Td w={180}>{c.use.label}</Table.Td><Table.Td w={90}><YesNo allowed={c.allowed} size="md" /></Table.Td><Table.Td>{c.summary.replace(/^(Yes|No): /, '')}</Table.Td></Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <NameReminder text={r.reminder} />
      </Paper>
      <Paper withBorder radius="lg" p="lg">
        <Title order={2} fz={20} mb="sm">Parents and carers</Title>
        {r.adults.length === 0 && <Text>No adult is linked to {r.pupil.name}.</Text>}
        <Stack gap="xs">
          {r.adults.map((a) => (
            <Group key={a.id} justify="space-between" wrap="wrap">
              <div>
                <Text fw={600}>{a.name}</Text>
                <Text fz="sm" c="dimmed">{a.hasResponsibility ? 'Has parental responsibility: may give or withdraw consent.' : 'Does not have parental responsibility: cannot give or withdraw consent.'}{a.recordedBy ? ` Recorded by ${a.recordedBy}.` : ''}</Text>
              </div>
              {a.hasResponsibility
                ? <ConfirmButton variant="default" title="No parental responsibility?" message={`${a.name} will no longer be able to give or withdraw consent for ${r.pupil.name}.`} confirmLabel="Record it" onConfirm={() => setResponsibility(a.id, false)}>Record: no parental responsibility</ConfirmButton>
                : <Button variant="default" onClick={() => void setResponsibility(a.id, true)}>Record: has parental responsibility</Button>}
            </Group>
          ))}
        </Stack>
      </Paper>
      <Paper withBorder radius="lg" p="lg">
        <Title order={2} fz={20} mb="sm">Record a paper form</Title>
        <PaperForm record={r} onSaved={record.reload} />
      </Paper>
      <Paper withBorder radius="lg" p="lg">
        <Title order={2} fz={20} mb="sm">History</Title>
        <HistoryTable history={r.history} caption={`Consent history for ${r.pupil.name}`} />
      </Paper>
    </Page>
  );
}
