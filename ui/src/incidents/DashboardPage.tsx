/**
 * The incidents dashboard (R5.7): incidents by month and category, open items, steps left open too long, and records
 * due for retention review. Restricted incidents are counted; only the safeguarding team sees which they are.
 */
import { useState } from 'react';
import { Alert, Group, Paper, SegmentedControl, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { formatDate, plural } from '../app/format.ts';
import { ErrorNote, Loading, Page } from '../app/Page.tsx';
import { Link } from '../app/router.tsx';
import { useApi } from '../app/useApi.ts';
import type { Dashboard } from '../../../src/incidents/schemas.ts';


const monthLabel = (m: string) => new Date(`${m}-01T12:00:00Z`).toLocaleDateString('en-GB', { month: 'short', year: '2-digit' });

/** A plain SVG bar chart of incidents per month, with the numbers written on it (readable without colour). */
function MonthBars({ months, totals }: { months: string[]; totals: number[] }) {
  const max = Math.max(1, ...totals);
  const barWidth = 40;
  const gap = 12;
  const height = 160;
  const width = months.length * (barWidth + gap);
  return (
    <svg role="img" aria-label={`Incidents per month: ${months.map((m, i) => `${monthLabel(m)} ${totals[i]}`).join(', ')}`} viewBox={`0 0 ${width} ${height + 36}`} width="100%" style={{ maxWidth: width }}>
      {months.map((m, i) => {
        const h = Math.round((totals[i]! / max) * height);
        const x = i * (barWidth + gap);
        return (
          <g key={m}>
            <rect x={x} y={height - h} width={barWidth} height={h} fill="#1c7ed6" rx={3} />
            <text x={x + barWidth / 2} y={height - h - 4} textAnchor="middle" fontSize={12}>{totals[i]}</text>
            <text x={x + barWidth / 2} y={height + 16} textAnchor="middle" fontSize={11}>{monthLabel(m)}</text>
          </g>
        );
      })}
    </svg>
  );
}

export function DashboardPage() {
  const [months, setMonths] = useState('12');
  const d = useApi<Dashboard>('/api/incidents/dashboard', { months });
  const data = d.data;
  return (
    <Page title="Incidents dashboard" description="Trends, open incidents and steps that are overdue."
      actions={<SegmentedControl value={months} onChange={setMonths} data={[{ value: '6', label: '6 months' }, { value: '12', label: '12 months' }, { value: '24', label: '24 months' }]} />}>
      <ErrorNote message={d.error} />
      {!data ? <Loading /> : (
        <Stack gap="lg">
          <SimpleGrid cols={{ base: 2, md: 4 }}>
            <Stat label="Open incidents" value={data.open.total} detail={`${data.open.restricted} restricted, ${data.open.investigating} being investigated`} />
            <Stat label="Overdue steps" value={data.overdueSteps.length + data.overdueHidden} detail={`required steps open more than ${plural(data.overdueDays, 'day')}`} />
            <Stat label="In this period" value={data.totalsByMonth.reduce((a, b) => a + b, 0)} detail={`over ${plural(data.months.length, 'month')}`} />
            <Stat label="Due for retention review" value={data.dueForReview} detail="records to review (never deleted automatically)" />
          </SimpleGrid>

          <Paper withBorder p="lg">
            <Title order={2} fz={20} mb="sm">Incidents per month</Title>
            <MonthBars months={data.months} totals={data.totalsByMonth} />
          </Paper>

          <Paper withBorder p="lg">
            <Title order={2} fz={20} mb="sm">By category</Title>
            {data.categories.length === 0 ? <Text>No incidents in this period.</Text> : (
              <Table.ScrollContainer minWidth={600}>
                <Table data-testid="dashboard-categories">
                  <Table.Thead><Table.Tr><Table.Th>Category</Table.Th>{data.months.map((m) => <Table.Th key={m} ta="right">{monthLabel(m)}</Table.Th>)}<Table.Th ta="right">Total</Table.Th></Table.Tr></Table.Thead>
                  <Table.Tbody>
                    {data.categories.map((c) => (
                      <Table.Tr key={c.key}>
                        <Table.Td>{c.label}</Table.Td>
                        {c.byMonth.map((n, i) => <Table.Td key={i} ta="right" c={n ? undefined : 'dimmed'}>{n}</Table.Td>)}
                        <Table.Td ta="right" fw={600}>{c.total}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
          </Paper>

          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <Paper withBorder p="lg">
              <Title order={2} fz={20} mb="sm">Overdue steps</Title>
              {data.overdueSteps.length === 0 && data.overdueHidden === 0 && <Text>No required step has been open for more than {plural(data.overdueDays, 'day')}.</Text>}
              <Stack gap={6}>
                {data.overdueSteps.map((s, i) => (
                  <Group key={i} justify="space-between" wrap="nowrap">
                    <Text fz="sm"><Link to={`/incidents/${s.incidentId}`}>{s.reference}</Link> {s.label}</Text>
                    <Text fz="sm" c="red" style={{ whiteSpace: 'nowrap' }}>{plural(s.daysOpen, 'day')}</Text>
                  </Group>
                ))}
              </Stack>
              {data.overdueHidden > 0 && <Alert mt="sm" color="gray">{plural(data.overdueHidden, 'more overdue step')} on restricted incidents you cannot see. The Designated Safeguarding Lead has been shown them.</Alert>}
            </Paper>
            <Paper withBorder p="lg">
              <Title order={2} fz={20} mb="sm">Open incidents</Title>
              {data.openItems.length === 0 && data.openHidden === 0 && <Text>No open incidents.</Text>}
              <Stack gap={6}>
                {data.openItems.map((i) => (
                  <Text key={i.id} fz="sm"><Link to={`/incidents/${i.id}`}>{i.reference}</Link> {i.categoryLabel} · {formatDate(i.occurredAt)}{i.status === 'investigating' ? ' · being investigated' : ''}</Text>
                ))}
              </Stack>
              {data.openHidden > 0 && <Alert mt="sm" color="gray">{plural(data.openHidden, 'more open restricted incident')} for the safeguarding team.</Alert>}
            </Paper>
          </SimpleGrid>
        </Stack>
      )}
    </Page>
  );
}

function Stat({ label, value, detail }: { label: string; value: number; detail: string }) {
  return (
    <Paper withBorder p="md">
      <Text fz="sm" c="dimmed">{label}</Text>
      <Text fz={28} fw={700}>{value}</Text>
      <Text fz="xs" c="dimmed">{detail}</Text>
    </Paper>
  );
}
