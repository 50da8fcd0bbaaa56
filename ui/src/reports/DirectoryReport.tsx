/** The directory report for leaders and governors: numbers only, plus who holds the key safeguarding roles. */
import { Alert, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { ErrorNote, Loading } from '../app/Page.tsx';
import type { DirectoryReport as Report } from '../app/types.ts';
import { useApi } from '../app/useApi.ts';

const KEY_ROLES = [
  { role: 'headteacher', label: 'Headteacher' },
  { role: 'dsl', label: 'Designated Safeguarding Lead' },
  { role: 'online_safety_lead', label: 'Online Safety Lead' },
  { role: 'online_safety_governor', label: 'Online Safety Governor' },
];

const KS_LABELS: Record<string, string> = { EYFS: 'Early years (EYFS)', KS1: 'Key stage 1', KS2: 'Key stage 2', KS3: 'Key stage 3', KS4: 'Key stage 4', KS5: 'Key stage 5 (sixth form)' };

export function DirectoryReport() {
  const report = useApi<Report>('/api/reports/directory');
  if (report.error) return <ErrorNote message={report.error} title="The report could not be loaded" />;
  const r = report.data;
  if (!r) return <Loading />;
  const missing = KEY_ROLES.filter((k) => !r.rolesRegister.some((x) => x.role === k.role));
  const roles = r.roles.filter((x) => x.count > 0);

  return (
    <Stack gap="lg">
      {missing.length > 0 && (
        <Alert color="yellow" variant="light" title="Key roles not filled in Osprey">
          Nobody is recorded as: {missing.map((m) => m.label).join(', ')}. Keeping the roles register up to date helps show who is responsible for online safety.
        </Alert>
      )}
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="lg">
        <Paper withBorder radius="md" p="lg">
          <Title order={2} fz={18} mb="sm" id="report-roles">People by role</Title>
          {roles.length === 0 ? <Text c="dimmed">Nobody yet.</Text> : (
            <Table verticalSpacing={6} aria-labelledby="report-roles">
              <Table.Thead><Table.Tr><Table.Th>Role</Table.Th><Table.Th ta="right">People</Table.Th></Table.Tr></Table.Thead>
              <Table.Tbody>
                {roles.map((x) => (
                  <Table.Tr key={x.role}><Table.Td>{x.label}</Table.Td><Table.Td ta="right" style={{ fontVariantNumeric: 'tabular-nums' }}>{x.count.toLocaleString('en-GB')}</Table.Td></Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          <Text fz="sm" c="dimmed" mt="sm">Current people only. A person with two roles is counted under each. Leavers: {r.leavers.toLocaleString('en-GB')}.</Text>
        </Paper>
        <Stack gap="lg">
          <Paper withBorder radius="md" p="lg">
            <Title order={2} fz={18} mb="sm" id="report-ks">Pupils by key stage</Title>
            {r.keyStages.length === 0 ? <Text c="dimmed">No key stage groups yet.</Text> : (
              <Table verticalSpacing={6} aria-labelledby="report-ks">
                <Table.Thead><Table.Tr><Table.Th>Key stage</Table.Th><Table.Th ta="right">People</Table.Th></Table.Tr></Table.Thead>
                <Table.Tbody>
                  {r.keyStages.map((k) => (
                    <Table.Tr key={k.name}><Table.Td>{KS_LABELS[k.name] ?? k.name}</Table.Td><Table.Td ta="right" style={{ fontVariantNumeric: 'tabular-nums' }}>{k.count.toLocaleString('en-GB')}</Table.Td></Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Paper>
          <Paper withBorder radius="md" p="lg">
            <Title order={2} fz={18} mb="sm" id="report-register">Roles register</Title>
            {r.rolesRegister.length === 0 ? <Text c="dimmed">Nobody holds a key role yet.</Text> : (
              <Table verticalSpacing={6} aria-labelledby="report-register">
                <Table.Thead><Table.Tr><Table.Th>Role</Table.Th><Table.Th>Name</Table.Th></Table.Tr></Table.Thead>
                <Table.Tbody>
                  {r.rolesRegister.map((x, i) => (
                    <Table.Tr key={`${x.role}-${i}`}><Table.Td>{x.label}</Table.Td><Table.Td fw={600}>{x.name}</Table.Td></Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Paper>
        </Stack>
      </SimpleGrid>
    </Stack>
  );
}
