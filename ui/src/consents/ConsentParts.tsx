/** Pieces the consent pages share: the yes/no answer, the full-name reminder and the history table. */
import { Alert, Badge, Group, Paper, Stack, Table, Text } from '@mantine/core';
import { formatDate, formatDateTime } from '../app/format.ts';
import { DECISION_WORDS, type ConsentAnswer, type DecisionView } from './types.ts';

export function YesNo({ allowed, size = 'lg' }: { allowed: boolean; size?: 'md' | 'lg' | 'xl' }) {
  return <Badge size={size} color={allowed ? 'green.8' : 'red.9'} variant="filled" radius="sm">{allowed ? 'Yes' : 'No'}</Badge>;
}

export function NameReminder({ text }: { text: string }) {
  return <Alert color="yellow" variant="light" title="Remember" className="osprey-consent-reminder">{text}</Alert>;
}

/** The answer to "may this pupil's image be used for this?", big and plain. */
export function AnswerCard({ answer }: { answer: ConsentAnswer }) {
  return (
    <Paper withBorder radius="lg" p="lg" aria-live="polite" data-testid="consent-answer">
      <Stack gap="sm">
        <Group gap="md" wrap="nowrap" align="center">
          <YesNo allowed={answer.allowed} size="xl" />
          <Text fw={700} fz="lg">{answer.pupil.name}{answer.pupil.yearGroup ? `, ${answer.pupil.yearGroup}` : ''}: {answer.use.label.toLowerCase()}</Text>
        </Group>
        <Text fz="lg">{answer.summary}</Text>
        {answer.decision?.channel === 'paper' && (
          <Text c="dimmed">Paper form dated {formatDate(answer.decision.formDated)}, kept at: {answer.decision.formKeptAt}. Recorded by {answer.decision.recordedByName}.</Text>
        )}
        <NameReminder text={answer.reminder} />
      </Stack>
    </Paper>
  );
}

export function HistoryTable({ history, caption }: { history: DecisionView[]; caption: string }) {
  if (history.length === 0) return <Text c="dimmed">Nothing has been recorded yet.</Text>;
  return (
    <Table.ScrollContainer minWidth={560}>
      <Table striped aria-label={caption}>
        <Table.Thead>
          <Table.Tr><Table.Th>When</Table.Th><Table.Th>Use</Table.Th><Table.Th>Decision</Table.Th><Table.Th>By</Table.Th><Table.Th>How</Table.Th></Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {history.map((h) => (
            <Table.Tr key={h.id}>
              <Table.Td>{formatDateTime(h.recordedAt)}</Table.Td>
              <Table.Td>{h.useLabel}</Table.Td>
              <Table.Td>{DECISION_WORDS[h.decision]}</Table.Td>
              <Table.Td>{h.parentName}</Table.Td>
              <Table.Td>{h.channel === 'paper' ? `Paper form dated ${formatDate(h.formDated)} (kept at: ${h.formKeptAt}; recorded by ${h.recordedByName})` : 'Online'}{h.note ? ` – ${h.note}` : ''}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
