/** A signed agreement exactly as it was signed (R6.3), with the signature details, ready to print. */
import { Alert, Button, Group, Paper, Stack, Table, Text } from '@mantine/core';
import { formatDateTime } from '../app/format.ts';
import { ErrorNote, Loading, Page } from '../app/Page.tsx';
import { useApi } from '../app/useApi.ts';
import { AgreementText } from './AgreementText.tsx';
import type { SignedCopy } from './types.ts';

const HOW: Record<SignedCopy['method'], string> = { online: 'Signed online', parent: 'Signed online by a parent or carer', paper: 'Signed on paper' };

export function SignedPage({ id }: { id: string }) {
  const { data, error } = useApi<SignedCopy>(`/api/agreements/signatures/${id}`);
  if (error) return <Page title="Signed agreement"><ErrorNote message={error} /></Page>;
  if (!data) return <Loading />;
  return (
    <Page title={`${data.version.title}, signed`} description={`${data.person.name ?? ''} — version ${data.version.number}`}
      actions={<Button className="osprey-no-print" onClick={() => window.print()}>Print</Button>}>
      {!data.textMatches && <Alert color="red" role="alert">The stored text no longer matches what was signed. Tell the Online Safety Lead.</Alert>}
      <Paper withBorder radius="md" p="xl">
        <Stack gap="lg">
          <AgreementText html={data.version.html} />
          <div className="osprey-signature-block">
            <Table variant="vertical" withTableBorder={false} style={{ overflowWrap: 'anywhere' }}>
              <Table.Tbody>
                <Table.Tr><Table.Th w="35%">Agreement for</Table.Th><Table.Td>{data.person.name}</Table.Td></Table.Tr>
                <Table.Tr><Table.Th>{HOW[data.method]}</Table.Th><Table.Td>{data.typedName}{data.signedBy && data.signedBy.id !== data.person.id ? ` (${data.signedBy.name})` : ''}</Table.Td></Table.Tr>
                <Table.Tr><Table.Th>Date and time</Table.Th><Table.Td>{formatDateTime(data.signedAt)}</Table.Td></Table.Tr>
                <Table.Tr><Table.Th>Version</Table.Th><Table.Td>{data.version.number}, published {formatDateTime(data.version.publishedAt)}</Table.Td></Table.Tr>
                {data.paper && <Table.Tr><Table.Th>Recorded by</Table.Th><Table.Td>{data.paper.recordedBy} on {formatDateTime(data.paper.recordedAt)}</Table.Td></Table.Tr>}
                {data.paper && <Table.Tr><Table.Th>Paper form kept at</Table.Th><Table.Td>{data.paper.location}</Table.Td></Table.Tr>}
                {data.ip && <Table.Tr><Table.Th>Signed from</Table.Th><Table.Td>{data.ip}{data.userAgent ? ` — ${data.userAgent}` : ''}</Table.Td></Table.Tr>}
                <Table.Tr><Table.Th>Text fingerprint (SHA-256)</Table.Th><Table.Td><Text ff="monospace" fz="xs" style={{ wordBreak: 'break-all' }}>{data.textSha256}</Text></Table.Td></Table.Tr>
              </Table.Tbody>
            </Table>
          </div>
        </Stack>
      </Paper>
      <Group className="osprey-no-print"><Text size="sm" c="dimmed">Printing gives the agreement and the signature on their own, without the menus.</Text></Group>
    </Page>
  );
}
