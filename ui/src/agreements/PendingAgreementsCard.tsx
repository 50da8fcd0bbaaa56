/**
 * "Agreements to sign" for the home page and the parents' My children page: what is waiting for this person (and for
 * a parent, for their young children), with one big button to the sign page. Shows nothing when all is signed.
 */
import { Button, Card, List, Text, Title } from '@mantine/core';
import { linkProps } from '../app/router.tsx';
import { useApi } from '../app/useApi.ts';
import type { Pending } from './types.ts';

export function PendingAgreementsCard() {
  const { data } = useApi<Pending>('/api/agreements/pending');
  if (!data || data.pending.length === 0) return null;
  return (
    <Card withBorder radius="lg" p="lg" maw={720} style={{ borderColor: 'var(--mantine-color-orange-5)' }} component="section" aria-labelledby="pending-agreements">
      <Title order={2} fz={20} id="pending-agreements">Agreements to sign</Title>
      <List mt="sm" spacing={4}>
        {data.pending.map((p) => (
          <List.Item key={`${p.template.id}:${p.person.id}`}>{p.template.name}{p.person.isMe ? '' : ` — for ${p.person.name}`}</List.Item>
        ))}
      </List>
      <Text mt="sm" c="dimmed">The school internet may wait until these are signed.</Text>
      <Button component="a" {...linkProps('/agreements/sign')} size="lg" mt="md" fullWidth>Read and sign</Button>
    </Card>
  );
}
