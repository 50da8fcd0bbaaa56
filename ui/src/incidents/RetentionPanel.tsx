/**
 * How long an incident record is kept (R5.8): its basis and review date, the date of birth the schedule needs, and
 * legal holds with their reasons. Used on the incident page: <RetentionPanel incidentId={v.id} canManage={…} />.
 */
import { useState } from 'react';
import { Alert, Badge, Button, Group, List, Paper, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { messageOf, post, put } from '../api.ts';
import { formatDate, formatDateTime } from '../app/format.ts';
import { ErrorNote } from '../app/Page.tsx';
import { useApi } from '../app/useApi.ts';
import type { RetentionView } from '../../../src/incidents/schemas.ts';

const BASES = [
  { value: 'child_protection', label: 'Child protection record (date of birth + 25 years)' },
  { value: 'staff_allegation', label: 'Allegation against a member of staff (retirement age or 10 years, whichever is later)' },
  { value: 'general', label: 'General incident (a set number of years after closing)' },
];

/** `canManage` is a hint until the record has loaded; the server's answer (it knows about closed records) decides. */
export function RetentionPanel({ incidentId, canManage: hint }: { incidentId: string; canManage?: boolean }) {
  const r = useApi<RetentionView>(`/api/incidents/${incidentId}/retention`);
  const [basis, setBasis] = useState<string | null>(null);
  const [dob, setDob] = useState('');
  const [reason, setReason] = useState('');
  const [holdReason, setHoldReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const s = r.data?.schedule;
  const canManage = r.data?.canManage ?? hint ?? false;

  async function act(fn: () => Promise<unknown>) {
    setBusy(true); setProblem(null);
    try { await fn(); r.reload(); setHoldReason(''); setReason(''); } catch (e) { setProblem(messageOf(e)); } finally { setBusy(false); }
  }

  return (
    <Paper withBorder p="lg" data-testid="retention-panel">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={2} fz={20}>How long this record is kept</Title>
          {s?.onHold && <Badge color="orange.9">On legal hold</Badge>}
        </Group>
        <ErrorNote message={r.error} />
        {s && (
          <>
            <Text><b>{s.basisLabel}</b>{s.basisSource === 'default' ? ' (worked out from the record; the DSL can change it)' : ''}</Text>
            <Text fz="sm">{s.reviewFrom ? `Due for review from ${formatDate(s.reviewFrom)}. ` : 'No review date yet. '}{s.explanation}</Text>
            {s.missing && <Alert color="yellow">Record {s.missing} below for a firm review date.</Alert>}
            {s.onHold && <Text fz="sm">Legal hold: {s.holdReason}. The record will not be reviewed until the hold is released.</Text>}
            <Text fz="xs" c="dimmed">Osprey never deletes a record by itself: when it is due, the DSL or the Data Protection Officer reviews it.</Text>
          </>
        )}
        {r.data && r.data.holds.length > 0 && (
          <List size="sm">{r.data.holds.map((h, i) => <List.Item key={i}>{formatDateTime(h.at)}: legal hold {h.action === 'set' ? 'set' : 'released'} by {h.by} — {h.reason}</List.Item>)}</List>
        )}
        {canManage && s && (
          <Stack gap="xs">
            {problem && <Alert color="red">{problem}</Alert>}
            <Group align="flex-end" grow>
              <Select label="Retention basis" data={BASES} value={basis ?? s.basis} onChange={setBasis} allowDeselect={false} />
              <TextInput label="Date of birth" description="The pupil's, or the member of staff's" type="date" value={dob || s.dateOfBirth || ''} onChange={(e) => setDob(e.currentTarget.value)} disabled={(basis ?? s.basis) === 'general'} />
              <TextInput label="Reason (optional)" value={reason} onChange={(e) => setReason(e.currentTarget.value)} maxLength={1000} />
            </Group>
            <Group><Button variant="default" loading={busy} onClick={() => void act(() => put(`/api/incidents/${incidentId}/retention`, { basis: basis ?? s.basis, dateOfBirth: (basis ?? s.basis) === 'general' ? null : (dob || s.dateOfBirth || null), reason }))}>Save retention basis</Button></Group>
            <Group align="flex-end">
              <TextInput label={s.onHold ? 'Reason for releasing the hold' : 'Reason for a legal hold'} placeholder={s.onHold ? 'e.g. the claim has been settled' : 'e.g. police investigation, civil claim'} value={holdReason} onChange={(e) => setHoldReason(e.currentTarget.value)} style={{ flex: 1 }} maxLength={1000} />
              <Button color={s.onHold ? 'gray' : 'orange'} loading={busy} disabled={!holdReason.trim()} onClick={() => void act(() => post(`/api/incidents/${incidentId}/legal-hold`, { action: s.onHold ? 'release' : 'set', reason: holdReason }))}>
                {s.onHold ? 'Release the legal hold' : 'Put on legal hold'}
              </Button>
            </Group>
          </Stack>
        )}
      </Stack>
    </Paper>
  );
}
