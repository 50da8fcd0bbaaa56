/**
 * Alert rules (R4.3, R2.13) on the Phrase lists page: what raises an alert, how urgent it is, whether it is sent at
 * once or in the digest, and to whom. Each change is audited by the server; the illegal-content rule cannot be turned
 * off or moved to the digest.
 */
import { useState } from 'react';
import { Alert, Badge, Button, Checkbox, Group, Modal, NumberInput, Paper, Select, Stack, Switch, Table, Text, Title } from '@mantine/core';
import { messageOf, patch } from '../api.ts';
import { useApi } from '../app/useApi.ts';
import type { AlertRuleView } from '../../../src/monitoring/schemas.ts';

const ROLE_LABELS: Record<string, string> = {
  dsl: 'DSL', deputy_dsl: 'Deputy DSLs', online_safety_lead: 'Online Safety Lead', headteacher: 'Headteacher', network_manager: 'Network manager',
};
const SEVERITY_OPTIONS = ['critical', 'high', 'medium', 'low'].map((v) => ({ value: v, label: v[0]!.toUpperCase() + v.slice(1) }));

function RuleEditor({ rule, onClose, onSaved }: { rule: AlertRuleView; onClose(): void; onSaved(): void }) {
  const [severity, setSeverity] = useState(rule.severity);
  const [delivery, setDelivery] = useState(rule.delivery);
  const [roles, setRoles] = useState<string[]>(rule.routeRoles);
  const [minScore, setMinScore] = useState<number | string>(rule.minScore ?? '');
  const [count, setCount] = useState<number | string>(rule.thresholdCount ?? '');
  const [minutes, setMinutes] = useState<number | string>(rule.windowMinutes ?? '');
  const [enabled, setEnabled] = useState(rule.enabled);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const save = async () => {
    setBusy(true);
    setProblem(null);
    try {
      await patch(`/api/monitoring/rules/${rule.id}`, {
        severity, delivery, routeRoles: roles, enabled,
        ...(rule.minScore !== null ? { minScore: Number(minScore) } : {}),
        ...(rule.thresholdCount !== null ? { thresholdCount: Number(count), windowMinutes: Number(minutes) } : {}),
      });
      onSaved();
    } catch (e) {
      setProblem(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal opened onClose={onClose} title={`Change "${rule.name}"`} size="lg">
      <Stack>
        <Group grow>
          <Select label="How serious" data={SEVERITY_OPTIONS} value={severity} onChange={(v) => v && setSeverity(v)} allowDeselect={false} />
          <Select label="When it is sent" data={[{ value: 'immediate', label: 'At once' }, { value: 'digest', label: 'In the digest' }]} value={delivery} onChange={(v) => v && setDelivery(v)} allowDeselect={false} />
        </Group>
        {rule.minScore !== null && <NumberInput label="Lowest score that raises it" value={minScore} onChange={setMinScore} min={1} max={10000} />}
        {rule.thresholdCount !== null && (
          <Group grow>
            <NumberInput label="Blocked attempts" value={count} onChange={setCount} min={1} max={10000} />
            <NumberInput label="Within (minutes)" value={minutes} onChange={setMinutes} min={1} max={10080} />
          </Group>
        )}
        <Checkbox.Group label="Who it goes to" value={roles} onChange={setRoles}>
          <Group mt="xs">{Object.entries(ROLE_LABELS).map(([value, label]) => <Checkbox key={value} value={value} label={label} />)}</Group>
        </Checkbox.Group>
        <Switch label="This rule is on" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />
        {problem && <Alert color="red" role="alert">{problem}</Alert>}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>Cancel</Button>
          <Button onClick={() => void save()} loading={busy}>Save</Button>
        </Group>
      </Stack>
    </Modal>
  );
}

export function RulesPanel() {
  const rules = useApi<{ rules: AlertRuleView[] }>('/api/monitoring/rules');
  const [editing, setEditing] = useState<AlertRuleView | null>(null);
  return (
    <section aria-labelledby="alert-rules">
      <Title order={2} fz={18} id="alert-rules" mb={4}>Alert rules</Title>
      <Text c="dimmed" mb="xs">What raises an alert, how serious it is, whether it is sent at once or in the digest, and to whom. Every change is recorded in the audit log.</Text>
      {rules.error && <Alert color="red">{rules.error}</Alert>}
      {rules.data && (
        <Paper withBorder radius="md" style={{ overflow: 'hidden' }}>
          <Table aria-label="Alert rules" verticalSpacing="xs">
            <Table.Thead bg="gray.0"><Table.Tr><Table.Th>Rule</Table.Th><Table.Th>How serious</Table.Th><Table.Th>Sent</Table.Th><Table.Th>To</Table.Th><Table.Th /></Table.Tr></Table.Thead>
            <Table.Tbody>
              {rules.data.rules.map((r) => (
                <Table.Tr key={r.id}>
                  <Table.Td>{r.name}{r.minScore !== null ? <Text fz="xs" c="dimmed">score {r.minScore} or more</Text> : null}{r.thresholdCount !== null ? <Text fz="xs" c="dimmed">{r.thresholdCount} blocks in {r.windowMinutes} minutes</Text> : null}</Table.Td>
                  <Table.Td>{r.enabled ? SEVERITY_OPTIONS.find((o) => o.value === r.severity)?.label ?? r.severity : <Badge color="gray.7" variant="light">Off</Badge>}</Table.Td>
                  <Table.Td>{r.delivery === 'immediate' ? 'At once' : 'Digest'}</Table.Td>
                  <Table.Td>{r.routeRoles.map((x) => ROLE_LABELS[x] ?? x).join(', ')}</Table.Td>
                  <Table.Td><Button size="xs" variant="default" onClick={() => setEditing(r)} aria-label={`Change ${r.name}`}>Change</Button></Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      )}
      {editing && <RuleEditor rule={editing} onClose={() => setEditing(null)} onSaved={() => { setEditing(null); rules.reload(); }} />}
    </section>
  );
}
