/**
 * Read and sign (R6.3): every agreement waiting for this person — and, for a parent, for their young children — with
 * its full text, a tick box, the typed name and one big Sign button. Reached from the proxy's redirect (with the
 * address the person was going to) and from the home page; works on a phone.
 */
import { useState } from 'react';
import { Alert, Anchor, Badge, Button, Card, Checkbox, Group, Stack, Text, TextInput, Title } from '@mantine/core';
import { messageOf, post } from '../api.ts';
import { useMe } from '../app/auth.tsx';
import { linkProps } from '../app/router.tsx';
import { formatDate, formatDateTime } from '../app/format.ts';
import { ErrorNote, Loading, Page } from '../app/Page.tsx';
import { Link, useLocation } from '../app/router.tsx';
import { useApi } from '../app/useApi.ts';
import { AgreementText } from './AgreementText.tsx';
import { STATUS_COLOUR, STATUS_LABEL, type DueItem, type Pending } from './types.ts';

/** Only an http(s) address the person was heading to is offered as "carry on". */
function safeReturn(value: string | null): string | null {
  if (!value) return null;
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : null;
  } catch {
    return null;
  }
}

function SignCard({ item, onSigned }: { item: DueItem; onSigned(): void }) {
  const me = useMe();
  const [agreed, setAgreed] = useState(false);
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const forChild = !item.person.isMe;
  const headingId = `agreement-${item.template.id}-${item.person.id}`;

  const sign = async () => {
    setError(null);
    if (!agreed) return setError('Tick the box to say you have read the agreement and will keep to it.');
    if (name.trim().length < 2) return setError('Type your full name to sign.');
    setBusy(true);
    try {
      await post('/api/agreements/sign', {
        versionId: item.version.id, textSha256: item.version.textSha256, typedName: name, agreed,
        ...(forChild ? { personId: item.person.id } : {}),
      });
      onSigned();
    } catch (e) {
      setError(messageOf(e));
      setBusy(false);
    }
  };

  return (
    <Card withBorder radius="lg" p={{ base: 'md', sm: 'xl' }} component="section" aria-labelledby={headingId}>
      <Stack gap="md">
        <div>
          <Group gap="xs" wrap="wrap">
            <Badge color={STATUS_COLOUR[item.status]} variant="light">{STATUS_LABEL[item.status]}</Badge>
            <Text size="sm" c="dimmed">Version {item.version.number}, published {formatDate(item.version.publishedAt)}</Text>
          </Group>
          <Title order={2} fz={22} mt="xs" id={headingId}>{item.template.name}</Title>
          {forChild && <Text mt={4}>You are signing for <strong>{item.person.name}</strong>{item.person.yearGroup ? ` (${item.person.yearGroup})` : ''}. Please read it with them first.</Text>}
          {item.status === 'grace' && item.graceUntil && <Text mt={4} c="dimmed">Please sign by {formatDate(item.graceUntil)}. After that the school internet waits until it is signed.</Text>}
        </div>
        <AgreementText html={item.version.html} scroll label={`Text of ${item.template.name}`} />
        <Checkbox
          size="lg" checked={agreed} onChange={(e) => setAgreed(e.currentTarget.checked)}
          label={forChild ? `I have read this agreement with ${item.person.name.split(' ')[0]} and agree to it for them` : 'I have read this agreement and I will keep to it'}
        />
        <TextInput
          size="lg" label={forChild ? 'Type your own full name' : 'Type your full name'} autoComplete="name"
          placeholder={`${me.person.givenName} ${me.person.familyName}`} value={name} onChange={(e) => setName(e.currentTarget.value)}
        />
        {error && <Alert color="red" variant="light" role="alert">{error}</Alert>}
        <Button size="lg" fullWidth onClick={sign} loading={busy}>Sign {forChild ? `for ${item.person.name.split(' ')[0]}` : 'the agreement'}</Button>
        <Text size="xs" c="dimmed">Signing records your name, the date and time, this version of the agreement, and the device and network address you signed from.</Text>
      </Stack>
    </Card>
  );
}

export function SignPage() {
  const { search } = useLocation();
  const back = safeReturn(search.get('return'));
  const { data, error, reload } = useApi<Pending>('/api/agreements/pending');
  const [justSigned, setJustSigned] = useState(0);
  const isParent = useMe().person.roles.includes('parent');

  return (
    <Page title="Acceptable Use Agreements" description="Read each agreement carefully, tick the box, type your name and sign. The school internet opens within a second of signing.">
      <ErrorNote message={error} />
      {!data && !error && <Loading />}
      {justSigned > 0 && data && data.pending.length === 0 && (
        <Alert color="green" variant="light" role="status" title="Thank you — everything is signed">
          <Text>You can use the internet now.</Text>
          {back && <Anchor href={back} mt="xs" display="inline-block" fw={600}>Carry on to {back.length > 60 ? `${back.slice(0, 57)}…` : back}</Anchor>}
          {/* R7.1: the home–school agreement asks about photos; parents answer those questions on their children's page. */}
          {isParent && <Text mt="xs">Next, <Anchor {...linkProps('/family')} fw={600}>say how the school may use photos and videos of your children</Anchor>.</Text>}
        </Alert>
      )}
      {data && data.pending.length === 0 && justSigned === 0 && (
        <Alert color="green" variant="light" title="Nothing to sign">There are no agreements waiting for you to sign.</Alert>
      )}
      <Stack gap="xl" maw={820}>
        {data?.pending.map((item) => (
          <SignCard key={`${item.template.id}:${item.person.id}:${item.version.id}`} item={item} onSigned={() => { setJustSigned((n) => n + 1); reload(); }} />
        ))}
      </Stack>
      {data && data.signed.length > 0 && (
        <Stack gap="xs" maw={820}>
          <Title order={2} fz={20}>Signed this school year</Title>
          {data.signed.map((item) => (
            <Group key={`${item.template.id}:${item.person.id}`} justify="space-between" wrap="wrap">
              <Text>{item.template.name}{item.person.isMe ? '' : ` — for ${item.person.name}`}, signed {formatDateTime(item.signature?.signedAt)}</Text>
              {item.signature && <Link to={`/agreements/signed/${item.signature.id}`}>View or print</Link>}
            </Group>
          ))}
        </Stack>
      )}
    </Page>
  );
}
