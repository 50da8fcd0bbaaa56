/** The school's sanctions matrix (R5.5): kinds of incident × responses, each "always", "only if repeated" or not used. */
import { useEffect, useState } from 'react';
import { Alert, Button, Group, NativeSelect, SegmentedControl, Stack, Table, Text, TextInput } from '@mantine/core';
import { messageOf, put } from '../api.ts';
import { useFlash } from '../app/flash.tsx';
import { ErrorNote, Loading, Page } from '../app/Page.tsx';
import { useApi } from '../app/useApi.ts';
import type { Matrix } from '../../../src/incidents/schemas.ts';

/** A row of the table being edited: a row of the server's matrix. */
type Row = Matrix['rows'][number];

export function SanctionsPage() {
  const [audience, setAudience] = useState<'pupil' | 'staff'>('pupil');
  const m = useApi<Matrix>(`/api/sanctions/${audience}`);
  const [rows, setRows] = useState<Row[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const flash = useFlash();
  useEffect(() => { if (m.data) setRows(m.data.rows.map((r) => ({ ...r, responses: { ...r.responses } }))); }, [m.data]);

  const save = async (body: unknown) => {
    setBusy(true); setError(null);
    try { await put(`/api/sanctions/${audience}`, body); flash.show('The sanctions matrix has been saved.'); m.reload(); } catch (e) { setError(messageOf(e)); } finally { setBusy(false); }
  };
  const setCell = (i: number, key: string, value: string) => setRows((rs) => rs.map((r, j) => {
    if (j !== i) return r;
    const responses = { ...r.responses };
    if (value === '') delete responses[key]; else responses[key] = value as 'always';
    return { ...r, responses };
  }));

  return (
    <Page title="Sanctions matrix" description="What the school does for each kind of incident, from the e-safety policy's tables. “If repeated” responses are suggested only when the person has been an instigator before. Suggestions appear on each incident.">
      <SegmentedControl aria-label="Table" value={audience} onChange={(v) => setAudience(v as 'pupil')} data={[{ value: 'pupil', label: 'Pupils' }, { value: 'staff', label: 'Staff' }]} w="fit-content" />
      <ErrorNote message={m.error} />
      {!m.data ? <Loading /> : (
        <Stack gap="sm">
          {m.data.isDefault && <Text fz="sm" c="dimmed">This is Osprey's starting table, modelled on the policy. Change it to match your school's.</Text>}
          <div style={{ overflowX: 'auto' }}>
            <Table withTableBorder withColumnBorders aria-label={`Sanctions for ${audience === 'pupil' ? 'pupils' : 'staff'}`}>
              <Table.Thead><Table.Tr><Table.Th>Kind of incident</Table.Th>{m.data.responses.map((r) => <Table.Th key={r.key} style={{ minWidth: 120 }}>{r.label}</Table.Th>)}</Table.Tr></Table.Thead>
              <Table.Tbody>
                {rows.map((row, i) => (
                  <Table.Tr key={i}>
                    <Table.Td><TextInput aria-label={`Kind of incident ${i + 1}`} value={row.label} onChange={(e) => { const label = e.currentTarget.value; setRows((rs) => rs.map((r, j) => (j === i ? { ...r, label } : r))); }} miw={260} /></Table.Td>
                    {m.data!.responses.map((r) => (
                      <Table.Td key={r.key}>
                        <NativeSelect aria-label={`${row.label}: ${r.label}`} value={row.responses[r.key] ?? ''} onChange={(e) => setCell(i, r.key, e.currentTarget.value)}
                          data={[{ value: '', label: '—' }, { value: 'always', label: 'Always' }, { value: 'repeat', label: 'If repeated' }]} />
                      </Table.Td>
                    ))}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </div>
          <Button variant="default" w="fit-content" onClick={() => setRows((rs) => [...rs, { key: '', label: '', responses: {} }])}>Add a kind of incident</Button>
          {error && <Alert color="red" role="alert">{error}</Alert>}
          <Group>
            <Button loading={busy} onClick={() => void save({ rows })}>Save the table</Button>
            <Button variant="default" loading={busy} onClick={() => void save({ reset: true })}>Put Osprey's starting table back</Button>
          </Group>
        </Stack>
      )}
    </Page>
  );
}
