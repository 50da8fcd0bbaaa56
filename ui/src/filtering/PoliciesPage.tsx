/** Filtering: the school's policies at a glance, who each is for, and the rules for which policy and which setting win. */
import type { ReactNode } from 'react';
import { Group, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { plural } from '../app/format.ts';
import { ErrorNote, Loading, Page } from '../app/Page.tsx';
import { Link } from '../app/router.tsx';
import { useApi } from '../app/useApi.ts';
import { ACTION_COLOURS, ActionBadge, describeTargets, FilteringTabs, PrecedenceExplainer, useGroups } from './labels.tsx';
import type { Policy } from './types.ts';

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Group gap="xs" wrap="nowrap" align="baseline">
      <Text fz="sm" c="dimmed" w={150} style={{ flexShrink: 0 }}>{label}</Text>
      <Text fz="sm" component="div">{children}</Text>
    </Group>
  );
}

function PolicyCard({ policy, who }: { policy: Policy; who: string[] }) {
  const headingId = `policy-${policy.id}`;
  const local = policy.localBlock.length + policy.localAllow.length;
  return (
    <Paper withBorder radius="lg" p="lg" component="article" aria-labelledby={headingId} data-testid="policy-card">
      <Stack gap="sm">
        <div>
          <Title order={2} fz={19} id={headingId}>
            <Link to={`/filtering/policies/${policy.id}`} fw={700} fz={19} inherit>{policy.name}</Link>
          </Title>
          {policy.description && <Text fz="sm" c="dimmed" mt={4}>{policy.description}</Text>}
        </div>
        <Stack gap={6}>
          <Fact label="Who it is for">
            {who.length ? who.join(', ') : <Text span fz="sm" c={ACTION_COLOURS.warn.fg} fw={600}>Nobody yet – no groups or roles are chosen</Text>}
          </Fact>
          <Fact label="Priority">{policy.priority}</Fact>
          <Fact label="Any other site"><ActionBadge action={policy.defaultAction} size="sm" /></Fact>
          <Fact label="SafeSearch">{policy.safeSearch ? 'On' : 'Off'}</Fact>
          <Fact label="Schedules">{policy.schedules.length ? plural(policy.schedules.length, 'schedule') : 'None'}</Fact>
          <Fact label="Own lists">
            {local === 0 ? 'None' : `${policy.localBlock.length} always blocked, ${policy.localAllow.length} always allowed`}
          </Fact>
        </Stack>
      </Stack>
    </Paper>
  );
}

export function PoliciesPage() {
  const policies = useApi<{ policies: Policy[] }>('/api/filtering/policies');
  const groups = useGroups();
  return (
    <Page title="Filtering policies" description="Each policy says which websites a group of people can use in school. Choose a policy to see or change what it blocks, allows, warns about or monitors.">
      <FilteringTabs active="policies" />
      <Paper withBorder radius="md" p="md" bg="osprey.0" style={{ borderColor: 'var(--mantine-color-osprey-2)' }}>
        <PrecedenceExplainer />
      </Paper>
      <ErrorNote message={policies.error} title="The policies could not be loaded" />
      {!policies.data && !policies.error && <Loading />}
      {policies.data && (
        <>
          <Text fz="sm" c="dimmed">{plural(policies.data.policies.length, 'policy', 'policies')}, highest priority first.</Text>
          <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
            {policies.data.policies.map((p) => <PolicyCard key={p.id} policy={p} who={describeTargets(p, groups.byId, groups.readable)} />)}
          </SimpleGrid>
        </>
      )}
    </Page>
  );
}
