/**
 * The alert inbox (R4.3): alerts routed to the viewer's roles, open and most severe first; an alert's page shows the
 * evidence (what was searched or visited, the phrases found, the score) and the person's recent activity, with
 * Acknowledge and Dismiss (a reason is required). Every view is recorded in the audit log by the server.
 */
import { useState } from 'react';
import { Alert, Badge, Button, Group, Paper, SegmentedControl, Stack, Table, Text, Textarea, Title } from '@mantine/core';
import { messageOf, post } from '../api.ts';
import { useAuth } from '../app/auth.tsx';
import { Loading, Page } from '../app/Page.tsx';
import { linkProps, navigate } from '../app/router.tsx';
import { useApi } from '../app/useApi.ts';
import type { AlertDetail, AlertSummary } from './types.ts';
import type { Static } from 'typebox';
import type { ReportedSchema } from '../../../src/incidents/schemas.ts';

const SEVERITY_COLOUR: Record<string, string> = { critical: 'red.9', high: 'orange.9', medium: 'yellow.9', low: 'gray.7' };
const STATUS_LABEL: Record<string, string> = { open: 'Open', acknowledged: 'Acknowledged', dismissed: 'Dismissed', escalated: 'Escalated to an incident' };

const when = (iso: string) => new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });

function SeverityBadge({ severity }: { severity: string }) {
  return <Badge color={SEVERITY_COLOUR[severity] ?? 'gray.7'} variant="filled" radius="sm">{severity}</Badge>;
}

export function AlertsPage() {
  const [status, setStatus] = useState('open');
  const alerts = useApi<{ alerts: AlertSummary[] }>('/api/alerts', { status: status === 'all' ? undefined : status });
  return (
    <Page title="Alerts" description="Safeguarding alerts from internet monitoring that are sent to you. Urgent ones are also e-mailed at once; the rest come in a weekly digest. Every alert you open is recorded.">
      <SegmentedControl aria-label="Show alerts" value={status} onChange={setStatus}
        data={[{ value: 'open', label: 'Open' }, { value: 'acknowledged', label: 'Acknowledged' }, { value: 'dismissed', label: 'Dismissed' }, { value: 'escalated', label: 'Escalated' }, { value: 'all', label: 'All' }]} />
      {alerts.error && <Alert color="red" title="The alerts could not be loaded">{alerts.error}</Alert>}
      {!alerts.data ? <Loading /> : alerts.data.alerts.length === 0 ? (
        <Text c="dimmed">No {status === 'all' ? '' : `${status} `}alerts.</Text>
      ) : (
        <Paper withBorder radius="md" style={{ overflow: 'hidden' }}>
          <Table verticalSpacing="sm" highlightOnHover aria-label="Alerts">
            <Table.Thead bg="gray.0">
              <Table.Tr><Table.Th>Severity</Table.Th><Table.Th>What</Table.Th><Table.Th>Who</Table.Th><Table.Th>When</Table.Th><Table.Th>Status</Table.Th></Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {alerts.data.alerts.map((a) => (
                <Table.Tr key={a.id} data-severity={a.severity}>
                  <Table.Td><SeverityBadge severity={a.severity} /></Table.Td>
                  <Table.Td><a {...linkProps(`/alerts/${a.id}`)}>{a.categoryName ?? a.ruleName}</a><Text fz="xs" c="dimmed">{a.ruleName}</Text></Table.Td>
                  <Table.Td>{a.person ? `${a.person.name}${a.person.yearGroup ? ` (${a.person.yearGroup})` : ''}` : a.username ?? a.ip ?? 'Unknown device'}</Table.Td>
                  <Table.Td>{when(a.lastEventAt)}</Table.Td>
                  <Table.Td>{STATUS_LABEL[a.status]}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      )}
    </Page>
  );
}

export function AlertPage({ id }: { id: string }) {
  const { me } = useAuth();
  const alert = useApi<AlertDetail>(`/api/alerts/${id}`);
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const canManage = me?.permissions.includes('alerts.manage') ?? false;
  const act = async (action: 'acknowledge' | 'dismiss') => {
    setBusy(true);
    setProblem(null);
    try {
      await post(`/api/alerts/${id}/${action}`, action === 'dismiss' ? { reason } : reason ? { note: reason } : {});
      setReason('');
      alert.reload();
    } catch (e) {
      setProblem(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  // R4.3: the alert becomes a restricted incident with its evidence; what is written above becomes its description.
  const escalate = async () => {
    setBusy(true);
    setProblem(null);
    try {
      const made = await post<Static<typeof ReportedSchema>>(`/api/alerts/${id}/escalate`, reason.trim() ? { description: reason.trim() } : {});
      navigate(`/incidents/${made.id}`);
    } catch (e) {
      setProblem(messageOf(e));
      setBusy(false);
    }
  };
  if (alert.error && !alert.data) return <Page title="Alert"><Alert color="red" title="This alert could not be opened">{alert.error}</Alert></Page>;
  if (!alert.data) return <Loading />;
  const a = alert.data;
  const open = a.status === 'open' || a.status === 'acknowledged';
  return (
    <Page title={`${a.categoryName ?? a.ruleName}`} description={<Group gap="xs"><SeverityBadge severity={a.severity} /><span>{a.ruleName} · {STATUS_LABEL[a.status]}</span></Group>}
      actions={<Button variant="default" {...linkProps('/alerts')} component="a">Back to alerts</Button>}>
      <Paper withBorder radius="md" p="md">
        <Stack gap={4}>
          <Text><b>Who:</b> {a.person ? <a {...linkProps(`/activity/people/${a.person.id}`)}>{a.person.name}</a> : a.username ?? a.ip ?? 'Unknown device'}{a.person?.yearGroup ? ` (${a.person.yearGroup})` : ''}</Text>
          <Text><b>When:</b> {when(a.firstEventAt)}{a.lastEventAt !== a.firstEventAt ? ` to ${when(a.lastEventAt)}` : ''}</Text>
          {a.score > 0 && <Text><b>Score:</b> {a.score}</Text>}
          {a.handledBy && <Text><b>{STATUS_LABEL[a.status]}</b> by {a.handledBy}{a.handledAt ? ` on ${when(a.handledAt)}` : ''}{a.handledReason && a.status !== 'escalated' ? `: ${a.handledReason}` : ''}</Text>}
          {a.incidentId && <Text><a {...linkProps(`/incidents/${a.incidentId}`)}>Open the incident</a></Text>}
        </Stack>
      </Paper>
      <section aria-labelledby="evidence">
        <Title order={2} fz={18} id="evidence" mb="xs">Evidence</Title>
        <Paper withBorder radius="md" style={{ overflow: 'hidden' }}>
          <Table verticalSpacing="xs" aria-label="Evidence">
            <Table.Thead bg="gray.0"><Table.Tr><Table.Th>Time</Table.Th><Table.Th>Search or site</Table.Th><Table.Th>Phrases found</Table.Th><Table.Th>What happened</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {a.evidence.map((e) => (
                <Table.Tr key={e.eventId}>
                  <Table.Td>{when(e.eventTime)}</Table.Td>
                  <Table.Td style={{ wordBreak: 'break-all' }}>{e.searchTerm ? <><b>{e.searchTerm}</b><Text fz="xs" c="dimmed">{e.host}</Text></> : e.url ?? e.host}</Table.Td>
                  <Table.Td>{e.phrases.length ? e.phrases.map((p) => `${p.phrase} (${p.weight > 0 ? '+' : ''}${p.weight})`).join(', ') : '—'}</Table.Td>
                  <Table.Td>{e.action === 'block' ? 'Blocked' : e.action === 'allow' ? 'Allowed' : e.action}{e.filterCategory ? ` · ${e.filterCategory}` : ''}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      </section>
      <section aria-labelledby="context">
        <Title order={2} fz={18} id="context" mb="xs">Their activity just before</Title>
        {a.context.length === 0 ? <Text c="dimmed">No other activity recorded for this person.</Text> : (
          <Paper withBorder radius="md" style={{ overflow: 'hidden' }}>
            <Table verticalSpacing="xs" aria-label="Recent activity">
              <Table.Tbody>
                {a.context.map((c) => (
                  <Table.Tr key={c.id}><Table.Td w={170}>{when(c.time)}</Table.Td><Table.Td style={{ wordBreak: 'break-all' }}>{c.searchTerm ? <b>{c.searchTerm}</b> : c.url ?? c.host}</Table.Td><Table.Td w={120}>{c.action === 'block' ? 'Blocked' : 'Allowed'}</Table.Td></Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Paper>
        )}
      </section>
      {a.actions.length > 0 && (
        <section aria-labelledby="history">
          <Title order={2} fz={18} id="history" mb="xs">What has been done</Title>
          <Stack gap={2}>{a.actions.map((x, i) => <Text key={i}>{when(x.at)} — {x.by}: {x.action}{x.reason ? ` (${x.reason})` : ''}</Text>)}</Stack>
        </section>
      )}
      {canManage && open && (
        <Paper withBorder radius="md" p="md">
          <Stack gap="sm">
            <Textarea label="Note or reason" description="A note when you acknowledge; a reason is needed to dismiss. When you escalate, it becomes the incident's description." value={reason} onChange={(e) => setReason(e.currentTarget.value)} maxLength={2000} autosize minRows={2} />
            {problem && <Alert color="red" role="alert">{problem}</Alert>}
            <Group>
              {a.status === 'open' && <Button onClick={() => act('acknowledge')} loading={busy}>Acknowledge</Button>}
              <Button color="red.9" onClick={() => void escalate()} loading={busy}>Escalate into an incident</Button>
              <Button color="red.9" variant="outline" onClick={() => act('dismiss')} loading={busy}>Dismiss</Button>
            </Group>
          </Stack>
        </Paper>
      )}
    </Page>
  );
}
