/**
 * One incident (R5.2–R5.6): the record as it stands, who was involved, the triage questions and the checklist they
 * produce (tick with who and when, skip with a reason), the investigators, suggested sanctions, who else may see it,
 * and every earlier version. Opening this page is recorded in the audit log.
 */
import { useState } from 'react';
import { Alert, Button, Checkbox, Group, List, Modal, Paper, Radio, Select, SimpleGrid, Stack, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { messageOf, post, put, api } from '../api.ts';
import { formatDateTime } from '../app/format.ts';
import { ErrorNote, Loading, Page } from '../app/Page.tsx';
import { Link } from '../app/router.tsx';
import { useApi } from '../app/useApi.ts';
import { useMe } from '../app/auth.tsx';
import { EvidenceExportButton } from './EvidenceExportButton.tsx';
import { EvidencePanel } from './EvidencePanel.tsx';
import { StatusBadge, Tag } from './IncidentsPage.tsx';
import { PeoplePicker } from './PeoplePicker.tsx';
import { PersonSearch } from './PersonSearch.tsx';
import { RetentionPanel } from './RetentionPanel.tsx';
import type { Matrix } from '../../../src/incidents/schemas.ts';
import { KIND_LABELS, LOCATION_LABELS, localInputValue, PART_LABELS, type IncidentAnswer, type IncidentView, type InvolvedPerson, type Reference, type StepView, type Suggestion, type TriageQuestion } from './types.ts';

function useAction(reload: () => void) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true); setError(null);
    try { await fn(); reload(); return true; } catch (e) { setError(messageOf(e)); return false; } finally { setBusy(false); }
  };
  return { error, busy, run, setError };
}

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return <div><Text fz="sm" c="dimmed">{label}</Text><Text component="div" style={{ whiteSpace: 'pre-wrap' }}>{children || '—'}</Text></div>;
}

export function IncidentPage({ id }: { id: string }) {
  const answer = useApi<IncidentAnswer>(`/api/incidents/${id}`);
  const ref = useApi<Reference>('/api/incidents/reference');
  const data = answer.data;
  if (answer.error && !data) return <Page title="Incident"><ErrorNote message={answer.error} /></Page>;
  if (!data || !ref.data) return <Loading />;
  if (data.view === 'reporter') {
    return (
      <Page title="Your report">
        <Paper withBorder p="lg" maw={640}><Stack gap="xs">
          <Group justify="space-between"><Text fw={600}>Reported {formatDateTime(data.reportedAt)}</Text><StatusBadge status={data.status} label={data.statusLabel} /></Group>
          <Text style={{ whiteSpace: 'pre-wrap' }}>{data.whatYouReported}</Text>
        </Stack></Paper>
      </Page>
    );
  }
  return <FullIncident v={data} reference={ref.data} reload={answer.reload} />;
}

function FullIncident({ v, reference, reload }: { v: IncidentView; reference: Reference; reload(): void }) {
  const c = v.current;
  const manage = v.can.manage;
  return (
    <Page title={`Incident ${v.reference}`} description={`${c.categoryLabel} · ${formatDateTime(c.occurredAt)}`}
      actions={<Group gap="xs"><EvidenceExportButton incidentId={v.id} reference={v.reference} /><StatusBadge status={c.status} />{c.classification === 'restricted' ? <Tag color="red">Restricted: safeguarding</Tag> : <Tag color="gray">General</Tag>}</Group>}>
      {c.illegal && <Alert color="red" title="Possibly illegal material">Do not view, copy or forward the material. Follow the police's advice.</Alert>}
      <RecordSection v={v} reference={reference} reload={reload} />
      <TriageSection v={v} questions={reference.triage.questions} reload={reload} />
      <ChecklistSection v={v} reload={reload} />
      <SanctionsSection id={v.id} generation={v.versions.length} />
      <InvestigationSection v={v} reload={reload} />
      <EvidencePanel incidentId={v.id} canAdd={manage} />
      {manage && <StatusSection v={v} reload={reload} />}
      {v.can.grant && <GrantsSection v={v} reload={reload} />}
      <RetentionPanel incidentId={v.id} canManage={manage || v.can.grant} />
      <HistorySection v={v} />
    </Page>
  );
}

function RecordSection({ v, reference, reload }: { v: IncidentView; reference: Reference; reload(): void }) {
  const me = useMe();
  const chronology = me.permissions.includes('incidents.read');
  const c = v.current;
  const [editing, setEditing] = useState(false);
  return (
    <Paper withBorder p="lg">
      <Stack gap="md">
        <Group justify="space-between"><Title order={2} fz={20}>The record</Title>{v.can.manage && <Button variant="default" onClick={() => setEditing(true)}>Correct or add to the record</Button>}</Group>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Field label="Date and time">{formatDateTime(c.occurredAt)}</Field>
          <Field label="Where">{LOCATION_LABELS[c.location]}</Field>
          <Field label="Reported by">{c.reportedBy}</Field>
          <Field label="Kind of incident">{c.categoryLabel}</Field>
        </SimpleGrid>
        <Field label="What happened">{c.description}</Field>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Field label="Action taken: what">{c.actionTaken}</Field>
          <Field label="Action taken: by whom">{c.actionBy}</Field>
          <Field label="Devices">{c.devices.join(', ')}</Field>
          <Field label="Web addresses">{c.urls.join('\n')}</Field>
        </SimpleGrid>
        {c.outcome && <Field label="Outcome">{c.outcome}</Field>}
        <div>
          <Text fz="sm" c="dimmed">People involved</Text>
          {c.people.length === 0 ? <Text>Nobody recorded yet.</Text> : (
            <Table aria-label="People involved"><Table.Thead><Table.Tr><Table.Th>Name</Table.Th><Table.Th>Who</Table.Th><Table.Th>Part</Table.Th></Table.Tr></Table.Thead>
              <Table.Tbody>{c.people.map((p, i) => <Table.Tr key={i}><Table.Td>{chronology && p.personId ? <Link to={`/incidents/people/${p.personId}`}>{p.name}</Link> : p.name}</Table.Td><Table.Td>{KIND_LABELS[p.kind]}</Table.Td><Table.Td>{PART_LABELS[p.part]}</Table.Td></Table.Tr>)}</Table.Tbody>
            </Table>
          )}
        </div>
        {v.fromAlert && (
          <div>
            <Text fz="sm" c="dimmed">From a monitoring alert: {v.fromAlert.summary}</Text>
            <List size="sm">{v.fromAlert.evidence.map((e, i) => <List.Item key={i}>{formatDateTime(e.at)}: {e.description}{e.searchTerm ? ` — searched “${e.searchTerm}”` : ''}{e.url ? ` — ${e.url}` : ''}{e.phrase ? ` (matched “${e.phrase}”${e.score !== undefined ? `, score ${e.score}` : ''})` : ''}</List.Item>)}</List>
          </div>
        )}
      </Stack>
      {editing && <EditRecord v={v} reference={reference} onClose={() => setEditing(false)} onSaved={() => { setEditing(false); reload(); }} />}
    </Paper>
  );
}

function EditRecord({ v, reference, onClose, onSaved }: { v: IncidentView; reference: Reference; onClose(): void; onSaved(): void }) {
  const me = useMe();
  const c = v.current;
  const [d, setD] = useState({
    occurredAt: localInputValue(new Date(c.occurredAt)), description: c.description, category: c.category, location: c.location,
    actionTaken: c.actionTaken, actionBy: c.actionBy, reportedBy: c.reportedBy, devices: c.devices.join('\n'), urls: c.urls.join('\n'), outcome: c.outcome,
    restricted: c.classification === 'restricted', reason: '',
  });
  const [people, setPeople] = useState<InvolvedPerson[]>(c.people);
  const act = useAction(onSaved);
  const set = (patch: Partial<typeof d>) => setD((x) => ({ ...x, ...patch }));
  const lines = (s: string) => s.split('\n').map((x) => x.trim()).filter(Boolean);
  return (
    <Modal opened onClose={onClose} title="Correct or add to the record" size="xl">
      <Stack gap="sm" component="form" onSubmit={(e) => { e.preventDefault(); void act.run(() => put(`/api/incidents/${v.id}`, {
        occurredAt: new Date(d.occurredAt).toISOString(), description: d.description, category: d.category, location: d.location, actionTaken: d.actionTaken,
        actionBy: d.actionBy, reportedBy: d.reportedBy, devices: lines(d.devices), urls: lines(d.urls), outcome: d.outcome,
        classification: d.restricted ? 'restricted' : 'general', people, reason: d.reason,
      })); }}>
        <Text fz="sm" c="dimmed">The record is never overwritten: this becomes a new version, and the earlier ones stay visible.</Text>
        <TextInput type="datetime-local" label="Date and time" value={d.occurredAt} onChange={(e) => set({ occurredAt: e.currentTarget.value })} required />
        <Textarea label="What happened" autosize minRows={3} value={d.description} onChange={(e) => set({ description: e.currentTarget.value })} required />
        <Select label="Kind of incident" searchable data={reference.categories.map((x) => ({ value: x.key, label: x.label }))} value={d.category} onChange={(x) => set({ category: x ?? d.category })} allowDeselect={false} />
        <Select label="Where" data={Object.entries(LOCATION_LABELS).map(([value, label]) => ({ value, label }))} value={d.location} onChange={(x) => set({ location: (x ?? 'unknown') as typeof d.location })} allowDeselect={false} />
        <Textarea label="Action taken: what" autosize value={d.actionTaken} onChange={(e) => set({ actionTaken: e.currentTarget.value })} />
        <TextInput label="Action taken: by whom" value={d.actionBy} onChange={(e) => set({ actionBy: e.currentTarget.value })} />
        <TextInput label="Reported by" value={d.reportedBy} onChange={(e) => set({ reportedBy: e.currentTarget.value })} />
        <Textarea label="Devices (one a line)" autosize value={d.devices} onChange={(e) => set({ devices: e.currentTarget.value })} />
        <Textarea label="Web addresses (one a line)" autosize value={d.urls} onChange={(e) => set({ urls: e.currentTarget.value })} />
        <Textarea label="Outcome" autosize value={d.outcome} onChange={(e) => set({ outcome: e.currentTarget.value })} />
        <Stack gap={4}><Text fw={500} fz="sm">People involved</Text><PeoplePicker value={people} onChange={setPeople} canSearch={me.permissions.includes('people.read')} /></Stack>
        <Checkbox label="Restricted: safeguarding record, only for the safeguarding team and people they choose" checked={d.restricted} onChange={(e) => set({ restricted: e.currentTarget.checked })} />
        <TextInput label="Why are you changing the record?" required value={d.reason} onChange={(e) => set({ reason: e.currentTarget.value })} description="For example “date corrected” or “witness added”. Kept with the new version." />
        {act.error && <Alert color="red" role="alert">{act.error}</Alert>}
        <Group><Button type="submit" loading={act.busy}>Save as a new version</Button><Button variant="default" onClick={onClose}>Cancel</Button></Group>
      </Stack>
    </Modal>
  );
}

const holds = (q: TriageQuestion, answers: Record<string, string>) => !q.askWhen || q.askWhen.all.every((c) => c.in.includes(answers[c.question] ?? ''));

function TriageSection({ v, questions, reload }: { v: IncidentView; questions: TriageQuestion[]; reload(): void }) {
  const answered = Object.keys(v.current.triage).length > 0;
  const [answers, setAnswers] = useState<Record<string, string>>(answered ? v.current.triage : v.suggestedTriage);
  const [sanctionType, setSanctionType] = useState<string | null>(v.current.sanctionType);
  const act = useAction(reload);
  const asked = questions.filter((q) => holds(q, answers));
  const instigators = v.current.people.filter((p) => p.part === 'instigator' && p.personId && (p.kind === 'pupil' || p.kind === 'staff'));
  const audience = instigators.some((p) => p.kind === 'pupil') ? 'pupil' : 'staff';
  const matrix = useApi<Matrix>(instigators.length && v.can.manage ? `/api/sanctions/${audience}` : null);
  return (
    <Paper withBorder p="lg">
      <Stack gap="md" component="form" onSubmit={(e) => { e.preventDefault(); void act.run(() => put(`/api/incidents/${v.id}/triage`, { answers: Object.fromEntries(asked.map((q) => [q.key, answers[q.key] ?? ''])), sanctionType })); }}>
        <Title order={2} fz={20}>Triage</Title>
        <Text c="dimmed" fz="sm">The questions from the school's incident flowcharts. Your answers decide the steps on the checklist below.{!answered && ' Answers already suggested by the record are filled in: check them.'}</Text>
        {asked.map((q) => (
          <Radio.Group key={q.key} label={q.text} description={q.help} value={answers[q.key] ?? ''} onChange={(x) => setAnswers((a) => ({ ...a, [q.key]: x }))} required>
            <Group mt="xs">{q.options.map((o) => <Radio key={o.value} value={o.value} label={o.label} disabled={!v.can.manage} />)}</Group>
          </Radio.Group>
        ))}
        {matrix.data && (
          <Select label="Row of the sanctions matrix" description="Leave empty to use the usual row for this kind of incident." clearable w={520}
            data={matrix.data.rows.map((r) => ({ value: r.key, label: r.label }))} value={sanctionType} onChange={setSanctionType} />
        )}
        {act.error && <Alert color="red" role="alert">{act.error}</Alert>}
        {v.can.manage && <Button type="submit" loading={act.busy} w="fit-content">{answered ? 'Save changed answers' : 'Save answers and make the checklist'}</Button>}
      </Stack>
    </Paper>
  );
}

function StepRow({ v, s, reload }: { v: IncidentView; s: StepView; reload(): void }) {
  const [note, setNote] = useState('');
  const act = useAction(reload);
  const send = (action: 'complete' | 'skip' | 'reopen') => act.run(() => post(`/api/incidents/${v.id}/steps/${s.key}`, { action, note }));
  return (
    <Paper withBorder p="sm" aria-label={s.label} component="section">
      <Group justify="space-between" align="flex-start">
        <div style={{ flex: 1 }}>
          <Text fw={600}>{s.label}{!s.required && <Text span c="dimmed" fw={400}> (if appropriate)</Text>}</Text>
          {s.guidance && <Text fz="sm" c="dimmed">{s.guidance}</Text>}
          {s.who && <Text fz="sm">Usually: {s.who}</Text>}
          {s.state !== 'open' && <Text fz="sm" mt={4}>{s.state === 'completed' ? 'Done' : 'Skipped'} by {s.by} on {formatDateTime(s.at)}{s.note ? `: ${s.note}` : ''}</Text>}
        </div>
        {s.state === 'open' ? <Tag color="orange">To do</Tag> : s.state === 'completed' ? <Tag color="green">Done</Tag> : <Tag color="gray">Skipped</Tag>}
      </Group>
      {v.can.manage && (
        s.state === 'open' ? (
          <Group align="flex-end" mt="xs">
            <TextInput label="Note (a reason is needed to skip)" value={note} onChange={(e) => setNote(e.currentTarget.value)} w={380} />
            <Button size="sm" loading={act.busy} onClick={() => void send('complete')}>Mark done</Button>
            <Button size="sm" variant="default" loading={act.busy} onClick={() => { if (!note.trim()) act.setError('Write the reason for skipping this step in the note.'); else void send('skip'); }}>Skip with reason</Button>
          </Group>
        ) : <Button size="xs" variant="subtle" mt="xs" onClick={() => void send('reopen')}>Reopen</Button>
      )}
      {act.error && <Alert color="red" role="alert" mt="xs">{act.error}</Alert>}
    </Paper>
  );
}

function ChecklistSection({ v, reload }: { v: IncidentView; reload(): void }) {
  const steps = v.steps.filter((s) => s.state !== 'withdrawn');
  const open = steps.filter((s) => s.required && s.state === 'open').length;
  return (
    <Stack gap="sm">
      <Title order={2} fz={20}>Checklist</Title>
      {steps.length === 0 ? <Text c="dimmed">Answer the triage questions to make the checklist.</Text> : (
        <>
          <Text fz="sm">{open === 0 ? 'Every required step is done or skipped with a reason.' : `${open} required ${open === 1 ? 'step is' : 'steps are'} still to do. The incident cannot be closed until they are done or skipped with a reason.`}</Text>
          {steps.map((s) => <StepRow key={s.id} v={v} s={s} reload={reload} />)}
        </>
      )}
    </Stack>
  );
}

function SanctionsSection({ id, generation }: { id: string; generation: number }) {
  const s = useApi<{ suggestions: Suggestion[] }>(`/api/incidents/${id}/sanctions`, { v: generation });
  const list = s.data?.suggestions ?? [];
  if (!list.length) return null;
  return (
    <Paper withBorder p="lg">
      <Stack gap="sm">
        <Title order={2} fz={20}>Suggested responses</Title>
        <Text fz="sm" c="dimmed">From the school's sanctions matrix, for each pupil or member of staff who instigated it. Responses marked “repeat” are suggested because they were involved before.</Text>
        {list.map((x) => (
          <div key={x.personId}>
            <Text fw={600}>{x.name}: {x.typeLabel ?? 'no matching row in the matrix — choose responses by hand'}</Text>
            {x.repeat && <Text fz="sm">Earlier incidents: {x.earlierIncidents.map((e) => `${e.reference} (${formatDateTime(e.occurredAt)})`).join(', ')}</Text>}
            <List size="sm">{x.responses.map((r) => <List.Item key={r.key}>{r.label}{r.escalated && <Tag ml="xs" size="sm" color="orange">repeat</Tag>}</List.Item>)}</List>
          </div>
        ))}
      </Stack>
    </Paper>
  );
}

function InvestigationSection({ v, reload }: { v: IncidentView; reload(): void }) {
  const [people, setPeople] = useState(v.investigators);
  const [device, setDevice] = useState(v.current.investigationDevice);
  const act = useAction(reload);
  return (
    <Paper withBorder p="lg">
      <Stack gap="sm">
        <Title order={2} fz={20}>Investigation</Title>
        <Text fz="sm" c="dimmed">At least two senior members of staff, using one computer that pupils do not use and that could be handed to the police.</Text>
        {people.length === 0 ? <Text>Nobody assigned yet.</Text> : <List>{people.map((p) => <List.Item key={p.id}>{p.name}{v.can.manage && <Button size="xs" variant="subtle" color="red" ml="xs" onClick={() => setPeople(people.filter((x) => x.id !== p.id))}>Remove {p.name}</Button>}</List.Item>)}</List>}
        {v.can.manage && (
          <>
            <PersonSearch label="Add an investigator" description="A senior leader, the headteacher, the Online Safety Lead or the safeguarding team" onChoose={(p) => setPeople((x) => x.some((y) => y.id === p.id) ? x : [...x, p])} />
            <TextInput label="Investigation computer" value={device} onChange={(e) => setDevice(e.currentTarget.value)} w={380} />
            {act.error && <Alert color="red" role="alert">{act.error}</Alert>}
            <Button w="fit-content" loading={act.busy} onClick={() => void act.run(() => put(`/api/incidents/${v.id}/investigation`, { investigatorIds: people.map((p) => p.id), investigationDevice: device }))}>Save investigation</Button>
          </>
        )}
        {!v.can.manage && <Text>Investigation computer: {v.current.investigationDevice || '—'}</Text>}
      </Stack>
    </Paper>
  );
}

function StatusSection({ v, reload }: { v: IncidentView; reload(): void }) {
  const [outcome, setOutcome] = useState(v.current.outcome);
  const act = useAction(reload);
  return (
    <Paper withBorder p="lg">
      <Stack gap="sm">
        <Title order={2} fz={20}>Status</Title>
        {v.current.status === 'open' && <Button w="fit-content" variant="default" loading={act.busy} onClick={() => void act.run(() => put(`/api/incidents/${v.id}/status`, { status: 'investigating' }))}>Start the investigation</Button>}
        <Textarea label="Outcome" description="What was found and what was done. Needed to close the incident." autosize minRows={2} value={outcome} onChange={(e) => setOutcome(e.currentTarget.value)} />
        {act.error && <Alert color="red" role="alert">{act.error}</Alert>}
        <Button w="fit-content" color="dark" loading={act.busy} onClick={() => void act.run(() => put(`/api/incidents/${v.id}/status`, { status: 'closed', outcome }))}>Close the incident</Button>
      </Stack>
    </Paper>
  );
}

function GrantsSection({ v, reload }: { v: IncidentView; reload(): void }) {
  const [person, setPerson] = useState<{ id: string; name: string } | null>(null);
  const [reason, setReason] = useState('');
  const act = useAction(reload);
  return (
    <Paper withBorder p="lg">
      <Stack gap="sm">
        <Title order={2} fz={20}>Who else can see this record</Title>
        <Text fz="sm" c="dimmed">Besides the Designated Safeguarding Lead and deputies. Giving and taking away access is recorded.</Text>
        {(v.grants ?? []).length === 0 ? <Text>Nobody else.</Text> : (
          <List>{v.grants!.map((g) => <List.Item key={g.personId}>{g.name} — given by {g.grantedBy} on {formatDateTime(g.grantedAt)}: {g.reason}
            <Button size="xs" variant="subtle" color="red" ml="xs" onClick={() => void act.run(() => api('DELETE', `/api/incidents/${v.id}/grants/${g.personId}`))}>Take away access for {g.name}</Button></List.Item>)}</List>
        )}
        <Group align="flex-end" wrap="wrap">
          <PersonSearch label="Give access to" onChoose={setPerson} />
          <TextInput label="Why they need it" value={reason} onChange={(e) => setReason(e.currentTarget.value)} w={320} />
          <Button disabled={!person} loading={act.busy} onClick={() => void act.run(async () => { await post(`/api/incidents/${v.id}/grants`, { personId: person!.id, reason }); setPerson(null); setReason(''); })}>Give access{person ? ` to ${person.name}` : ''}</Button>
        </Group>
        {act.error && <Alert color="red" role="alert">{act.error}</Alert>}
      </Stack>
    </Paper>
  );
}

function HistorySection({ v }: { v: IncidentView }) {
  const [shown, setShown] = useState<number | null>(null);
  return (
    <Paper withBorder p="lg">
      <Stack gap="sm">
        <Title order={2} fz={20}>History</Title>
        <Table aria-label="History of this incident">
          <Table.Thead><Table.Tr><Table.Th>When</Table.Th><Table.Th>Who</Table.Th><Table.Th>What</Table.Th></Table.Tr></Table.Thead>
          <Table.Tbody>{v.history.map((h, i) => <Table.Tr key={i}><Table.Td>{formatDateTime(h.at)}</Table.Td><Table.Td>{h.by}</Table.Td><Table.Td>{h.summary}</Table.Td></Table.Tr>)}</Table.Tbody>
        </Table>
        <Title order={3} fz={17}>Versions of the record</Title>
        {v.versions.slice().reverse().map((x) => (
          <div key={x.version}>
            <Button variant="subtle" size="compact-sm" onClick={() => setShown(shown === x.version ? null : x.version)} aria-expanded={shown === x.version}>
              Version {x.version}, {formatDateTime(x.at)} by {x.by}: {x.changeNote}
            </Button>
            {shown === x.version && (
              <Paper withBorder p="sm" mt={4}><SimpleGrid cols={{ base: 1, sm: 2 }}>
                <Field label="Date and time">{formatDateTime(x.occurredAt)}</Field><Field label="Kind">{x.categoryLabel}</Field>
                <Field label="What happened">{x.description}</Field><Field label="Action taken">{[x.actionTaken, x.actionBy].filter(Boolean).join(' — ')}</Field>
                <Field label="Status">{x.status}</Field><Field label="People">{x.people.map((p) => `${p.name} (${PART_LABELS[p.part].toLowerCase()})`).join(', ')}</Field>
              </SimpleGrid></Paper>
            )}
          </div>
        ))}
      </Stack>
    </Paper>
  );
}
