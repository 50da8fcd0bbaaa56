/** The filter change log's pieces: loading it page by page, naming what changed, and showing one entry. */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Badge, Group, List, Stack, Text } from '@mantine/core';
import { get, isAbort, messageOf } from '../api.ts';
import { formatDateTime } from '../app/format.ts';
import { Link } from '../app/router.tsx';
import type { Group as GroupRow } from '../app/types.ts';
import { describeChange, type DiffContext } from './diff.ts';
import { targetLabel } from './labels.tsx';
import type { Category, FilterChange, ListSource, Policy } from './types.ts';

export const CHANGE_ACTION_LABELS: Record<string, string> = {
  'policy.created': 'Policy created',
  'policy.updated': 'Policy changed',
  'policy.targets_linked': 'Groups linked to a policy',
  'list_source.created': 'Block list added',
  'list_source.updated': 'Block list updated',
};

export function diffContext(categories: Map<string, Category>, groups: Map<string, GroupRow>, groupsReadable: boolean): DiffContext {
  return {
    categoryName: (id) => categories.get(id)?.name ?? id,
    targetName: (t) => targetLabel(t, groups, groupsReadable),
  };
}

/**
 * The change log, newest first, `pageSize` at a time. `entityIds`: only changes to these (a policy's id and the key
 * its shipped default was logged under); merged in order when there are several.
 */
export function useChanges(entityIds: string[] | null, pageSize: number) {
  const [changes, setChanges] = useState<FilterChange[] | null>(null);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [generation, setGeneration] = useState(0);
  const key = entityIds === null ? null : entityIds.join(',');

  const fetchPage = useCallback(async (before: number | undefined, signal?: AbortSignal) => {
    const ids = key === null ? [] : key ? key.split(',') : [undefined];
    const pages = await Promise.all(ids.map((entityId) => get<{ changes: FilterChange[] }>('/api/filtering/changes', { entityId, before, limit: pageSize }, { signal })));
    const merged = new Map<number, FilterChange>();
    for (const p of pages) for (const c of p.changes) merged.set(c.seq, c);
    const all = [...merged.values()].sort((a, b) => b.seq - a.seq);
    // With several sources, only the newest pageSize are certain to have nothing missing between them.
    return { rows: all.slice(0, pageSize), more: all.length > pageSize || pages.some((p) => p.changes.length === pageSize) };
  }, [key, pageSize]);

  useEffect(() => {
    if (key === null) return;
    const controller = new AbortController();
    setError(null);
    fetchPage(undefined, controller.signal)
      .then((r) => { setChanges(r.rows); setMore(r.more); })
      .catch((e) => { if (!isAbort(e)) setError(messageOf(e)); });
    return () => controller.abort();
  }, [key, fetchPage, generation]);

  const loadOlder = useCallback(async () => {
    if (!changes?.length) return;
    setLoadingOlder(true);
    try {
      const r = await fetchPage(changes[changes.length - 1].seq);
      setChanges([...changes, ...r.rows]);
      setMore(r.more);
    } catch (e) {
      setError(messageOf(e));
    }
    setLoadingOlder(false);
  }, [changes, fetchPage]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { changes, more, error, loadingOlder, loadOlder, reload };
}

/** What a change was made to: the policy or list, by name, linked when it still exists. */
export function useEntityNamer(policies: Policy[] | undefined, sources: ListSource[] | undefined) {
  return useMemo(() => {
    const byId = new Map<string, Policy>();
    for (const p of policies ?? []) { byId.set(p.id, p); if (p.key) byId.set(p.key, p); }
    const sourceById = new Map((sources ?? []).map((s) => [s.id, s]));
    return (c: FilterChange): { label: string; to?: string; kind: string } => {
      const logged = (c.after ?? c.before) as { name?: unknown } | null;
      if (c.entityType === 'policy') {
        const p = byId.get(c.entityId);
        return { kind: 'Policy', label: p?.name ?? (typeof logged?.name === 'string' ? logged.name : 'A policy'), to: p ? `/filtering/policies/${p.id}` : undefined };
      }
      if (c.entityType === 'list_source') {
        const s = sourceById.get(c.entityId);
        return { kind: 'Block list', label: s?.name ?? 'A block list', to: s ? '/filtering/lists' : undefined };
      }
      return { kind: c.entityType, label: c.entityId };
    };
  }, [policies, sources]);
}

export function ChangeLines({ change, ctx }: { change: FilterChange; ctx: DiffContext }) {
  const lines = describeChange(change, ctx);
  const shown = lines.slice(0, 40);
  return (
    <Stack gap={2}>
      <List fz="sm" spacing={2} size="sm" listStyleType="none" withPadding={false}>
        {shown.map((line, i) => <List.Item key={i} style={{ wordBreak: 'break-word' }}>{line}</List.Item>)}
      </List>
      {lines.length > shown.length && <Text fz="xs" c="dimmed">…and {lines.length - shown.length} more</Text>}
    </Stack>
  );
}

/** One change as a compact block, for a policy's page. */
export function ChangeSummary({ change, ctx }: { change: FilterChange; ctx: DiffContext }) {
  return (
    <Stack gap={4} py="xs" style={{ borderTop: '1px solid var(--mantine-color-gray-2)' }} data-testid="policy-change">
      <Group gap="xs" justify="space-between" wrap="wrap">
        <Text fz="sm" fw={650}>{CHANGE_ACTION_LABELS[change.action] ?? change.action}</Text>
        <Text fz="xs" c="dimmed">{formatDateTime(change.at)}</Text>
      </Group>
      <Text fz="sm">
        <Text span fz="sm" c="dimmed">By </Text>{change.actorLabel}
        {change.approvedBy && <Badge ml="xs" size="sm" variant="outline" color="gray" tt="none">Approved by {change.approvedBy}</Badge>}
      </Text>
      <Text fz="sm"><Text span fz="sm" c="dimmed">Why: </Text>{change.reason}</Text>
      <ChangeLines change={change} ctx={ctx} />
    </Stack>
  );
}

export function EntityLink({ entity, action }: { entity: { label: string; to?: string; kind: string }; action: string }) {
  return (
    <div>
      {entity.to ? <Link to={entity.to} fz="sm" fw={600}>{entity.label}</Link> : <Text fz="sm" fw={600}>{entity.label}</Text>}
      <Text fz="xs" c="dimmed">{CHANGE_ACTION_LABELS[action] ?? `${entity.kind}: ${action}`}</Text>
    </div>
  );
}
