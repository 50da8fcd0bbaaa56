/**
 * The evidence of an incident (R5.4): add a screenshot or file, record a web address, see each item's SHA-256 hash,
 * open or download a file (every opening is in the audit log). For suspected child abuse images, uploads are refused
 * and the panel says why. Used on the incident page: <EvidencePanel incidentId={v.id} canAdd={v.can.manage} />.
 */
import { useRef, useState } from 'react';
import { Alert, Anchor, Button, Code, FileButton, Group, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { ApiError, messageOf, post } from '../api.ts';
import { useMe } from '../app/auth.tsx';
import { formatDateTime } from '../app/format.ts';
import { ErrorNote } from '../app/Page.tsx';
import { useApi } from '../app/useApi.ts';
import type { Evidence, EvidenceList } from '../../../src/incidents/schemas.ts';

const size = (n: number) => (n < 1024 ? `${n} bytes` : n < 1048576 ? `${(n / 1024).toFixed(0)} KB` : `${(n / 1048576).toFixed(1)} MB`);

/** Sends the file's bytes as they are (the server checks the size, the content and the incident's category). */
async function uploadFile(incidentId: string, csrf: string, file: File, note: string, device: string): Promise<Evidence> {
  const q = new URLSearchParams({ name: file.name });
  if (file.type) q.set('type', file.type);
  if (note.trim()) q.set('note', note.trim());
  if (device.trim()) q.set('device', device.trim());
  let res: Response;
  try {
    res = await fetch(`/api/incidents/${incidentId}/evidence/files?${q}`, {
      method: 'POST', credentials: 'same-origin', body: file,
      headers: { 'content-type': 'application/octet-stream', 'x-csrf-token': csrf, accept: 'application/json' },
    });
  } catch {
    throw new ApiError(0, 'network', 'Osprey could not be reached. Check your network connection and try again.');
  }
  const data = await res.json().catch(() => undefined) as { error?: { code: string; message: string } } | undefined;
  if (!res.ok) throw new ApiError(res.status, data?.error?.code ?? 'unknown', data?.error?.message ?? `The upload failed (${res.status}). Please try again.`);
  return data as unknown as Evidence;
}

export function EvidencePanel({ incidentId, canAdd }: { incidentId: string; canAdd: boolean }) {
  const me = useMe();
  const list = useApi<EvidenceList>(`/api/incidents/${incidentId}/evidence`);
  const [note, setNote] = useState('');
  const [device, setDevice] = useState('');
  const [url, setUrl] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const resetFile = useRef<() => void>(null);

  const data = list.data;
  const refused = data?.uploadsRefused ?? null;

  async function addFile(file: File | null) {
    if (!file) return;
    setBusy(true); setProblem(null); setDone(null);
    try {
      const item = await uploadFile(incidentId, me.csrfToken, file, note, device);
      setDone(`"${item.originalName}" was added. Its SHA-256 hash is ${item.sha256}.`);
      setNote('');
      list.reload();
    } catch (e) {
      setProblem(messageOf(e));
    } finally {
      setBusy(false);
      resetFile.current?.();
    }
  }

  async function addUrl() {
    setBusy(true); setProblem(null); setDone(null);
    try {
      await post<Evidence>(`/api/incidents/${incidentId}/evidence/urls`, { url, note: note.trim() || undefined, device: device.trim() || undefined });
      setDone('The web address was recorded.');
      setUrl(''); setNote('');
      list.reload();
    } catch (e) {
      setProblem(messageOf(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Paper withBorder p="lg" data-testid="evidence-panel">
      <Stack gap="sm">
        <Title order={2} fz={20}>Evidence</Title>
        <Text fz="sm" c="dimmed">
          Screenshots, files and web addresses, each with its SHA-256 hash so anyone can check later that it has not changed.
          Files are kept encrypted. Every time a file is opened it is recorded in the audit log.
        </Text>
        <ErrorNote message={list.error} />
        {refused && <Alert color="red" title="Nothing can be uploaded to this incident">{refused}</Alert>}
        {data && data.evidence.length === 0 && <Text fz="sm">No evidence has been recorded yet.</Text>}
        {data && data.evidence.length > 0 && (
          <Table.ScrollContainer minWidth={640}>
            <Table verticalSpacing="xs">
              <Table.Thead><Table.Tr><Table.Th>Evidence</Table.Th><Table.Th>Added</Table.Th><Table.Th>SHA-256</Table.Th></Table.Tr></Table.Thead>
              <Table.Tbody>
                {data.evidence.map((e) => (
                  <Table.Tr key={e.id}>
                    <Table.Td>
                      {e.kind === 'file' && !refused ? (
                        <Group gap="xs">
                          <Anchor href={`/api/incidents/${incidentId}/evidence/${e.id}/content`} target="_blank" rel="noopener">{e.originalName}</Anchor>
                          <Anchor fz="sm" href={`/api/incidents/${incidentId}/evidence/${e.id}/content?download=true`}>download</Anchor>
                        </Group>
                      ) : e.kind === 'file' ? <Text>{e.originalName}</Text> : <Text style={{ wordBreak: 'break-all' }}>{e.url}</Text>}
                      <Text fz="xs" c="dimmed">{e.kind === 'file' ? `${e.mediaType}, ${size(e.sizeBytes)}` : 'Web address (do not open it on a computer pupils use)'}{e.device ? ` · captured on ${e.device}` : ''}</Text>
                      {e.note && <Text fz="sm">{e.note}</Text>}
                    </Table.Td>
                    <Table.Td><Text fz="sm">{formatDateTime(e.uploadedAt)}</Text><Text fz="xs" c="dimmed">{e.uploadedBy}</Text></Table.Td>
                    <Table.Td><Code fz="xs" style={{ wordBreak: 'break-all' }}>{e.sha256}</Code></Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {canAdd && (
          <Stack gap="xs">
            {problem && <Alert color="red" title="Not added" data-testid="evidence-problem">{problem}</Alert>}
            {done && <Alert color="green">{done}</Alert>}
            <Group grow align="flex-end">
              <TextInput label="Note (optional)" description="What it shows, and where it was found" value={note} onChange={(e) => setNote(e.currentTarget.value)} maxLength={2000} />
              <TextInput label="Captured on (optional)" description="The investigation computer used" value={device} onChange={(e) => setDevice(e.currentTarget.value)} maxLength={200} />
            </Group>
            <Group align="flex-end">
              {!refused && (
                <FileButton onChange={(f) => void addFile(f)} resetRef={resetFile}>
                  {(props) => <Button {...props} loading={busy}>Add a screenshot or file…</Button>}
                </FileButton>
              )}
              <TextInput label="Web address" placeholder="https://…" value={url} onChange={(e) => setUrl(e.currentTarget.value)} style={{ flex: 1 }} maxLength={4000} />
              <Button variant="default" onClick={() => void addUrl()} disabled={!url.trim()} loading={busy}>Record the address</Button>
            </Group>
            {data && !refused && <Text fz="xs" c="dimmed">Files up to {size(data.maxBytes)}. Programs and scripts are refused.</Text>}
          </Stack>
        )}
      </Stack>
    </Paper>
  );
}
