/**
 * System status: whether the filter's activity log is keeping up. After a crash Osprey filters at once and stores
 * what the last run left in its spool in the background; this page shows that replay's progress, how full the spool
 * is, and whether monitoring is up to date. Figures only — nobody's activity.
 */
import { useEffect } from 'react';
import { Alert, Paper, Progress, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { ErrorNote, Loading, Page } from '../app/Page.tsx';
import { useApi } from '../app/useApi.ts';
import { FilteringTabs } from './labels.tsx';
import type { SystemStatus as Status } from '../../../src/platform/schemas.ts';

const megabytes = (b: number) => `${(b / 1024 / 1024).toLocaleString('en-GB', { maximumFractionDigits: b < 10 * 1024 * 1024 ? 1 : 0 })} MB`;
const count = (n: number) => n.toLocaleString('en-GB');

function Figure({ label, value, note }: { label: string; value: string; note?: string }) {
  return (
    <Paper withBorder p="md" radius="md">
      <Text fz="sm" c="dimmed">{label}</Text>
      <Text fz={22} fw={700}>{value}</Text>
      {note && <Text fz="sm" c="dimmed">{note}</Text>}
    </Paper>
  );
}

export function StatusPage() {
  const status = useApi<Status>('/api/system/status');
  const { reload } = status;
  useEffect(() => {
    const timer = setInterval(reload, 2000);
    return () => clearInterval(timer);
  }, [reload]);
  const s = status.data;
  const a = s?.activity;
  const replaying = a && a.replayBytes > 0 && a.replayedBytes < a.replayBytes;
  const replayPercent = a && a.replayBytes > 0 ? Math.min(100, Math.floor((100 * a.replayedBytes) / a.replayBytes)) : 100;
  return (
    <Page title="System status" description="Whether the filter's activity log and monitoring are keeping up. This page updates by itself every two seconds.">
      <FilteringTabs active="status" />
      <ErrorNote message={status.error} title="The status could not be loaded" />
      {!s && !status.error && <Loading />}
      {s && !s.running && <Text>The filter's background work is not running in this process.</Text>}
      {a && s.monitoring && (
        <Stack gap="md">
          {a.spoolFull && (
            <Alert color="red" title="The activity spool is full" role="alert">
              The database has not taken activity for a long time and the spool has reached its limit ({megabytes(a.spoolMaxBytes)}), so new
              activity is not being recorded. Filtering goes on. Bring the database back, or raise OSPREY_SPOOL_MAX_MB if the disk has room.
            </Alert>
          )}
          {!a.databaseOk && !a.spoolFull && (
            <Alert color="orange" title="The database is not taking activity">Activity waits safely in the spool on disk and is stored as soon as the database is back.</Alert>
          )}
          {a.dropped > 0 && <Alert color="red" title="Some activity was not recorded">{count(a.dropped)} events since Osprey started could not be recorded.</Alert>}
          <Paper withBorder p="lg" radius="md">
            <Stack gap="xs">
              <Title order={2} fz={20}>Catching up after the last stop</Title>
              {replaying ? (
                <>
                  <Text>Osprey is storing the activity it had recorded before it last stopped. Filtering is working normally meanwhile.</Text>
                  <Progress value={replayPercent} size="lg" aria-label="Replay progress" />
                  <Text fz="sm">{replayPercent}% done ({megabytes(a.replayedBytes)} of {megabytes(a.replayBytes)})</Text>
                </>
              ) : <Text>{a.replayBytes > 0 ? `Finished: all activity from before the last stop is stored (${megabytes(a.replayBytes)}).` : 'Nothing was waiting from before the last stop.'}</Text>}
            </Stack>
          </Paper>
          <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }}>
            <Figure label="Events recorded since the start" value={count(a.emitted)} />
            <Figure label="Events stored" value={count(a.stored)} note={a.waitingBatches > 0 ? `${count(a.waitingBatches)} batches waiting` : 'Up to date'} />
            <Figure label="Spool on disk" value={megabytes(a.spoolBytes)} note={`of at most ${megabytes(a.spoolMaxBytes)}`} />
            <Figure label="Scored by monitoring" value={count(s.monitoring.scored)} note={s.monitoring.queuedBatches > 0 ? `${count(s.monitoring.queuedBatches)} batches waiting` : 'Up to date'} />
          </SimpleGrid>
        </Stack>
      )}
    </Page>
  );
}
