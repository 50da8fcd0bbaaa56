/**
 * What a policy does with each category, grouped as Osprey's taxonomy groups them: one Allow / Warn / Monitor / Block
 * choice per category. Illegal-content categories have no choice: they are always blocked, for everyone.
 */
import { memo } from 'react';
import { Badge, Group, List, Paper, SegmentedControl, Stack, Text, Title } from '@mantine/core';
import { ACTION_COLOURS, ACTION_HELP, ACTION_LABELS, ACTIONS, ActionBadge, CATEGORY_GROUPS } from './labels.tsx';
import type { Category, PolicyAction } from './types.ts';

const SEGMENTS = ACTIONS.map((a) => ({ value: a, label: ACTION_LABELS[a] }));

function LockIcon() {
  return (
    <svg width={12} height={12} viewBox="0 0 12 12" aria-hidden="true" focusable="false" style={{ marginRight: 4, verticalAlign: -1 }}>
      <rect x="2" y="5.5" width="8" height="5.5" rx="1" fill="currentColor" />
      <path d="M4 5.5V4a2 2 0 0 1 4 0v1.5" fill="none" stroke="currentColor" strokeWidth="1.4" />
    </svg>
  );
}

/** The illegal-content marker: a fixed statement, never a control. */
export function AlwaysBlocked() {
  return (
    <Badge size="lg" radius="sm" tt="none" fw={650} bg={ACTION_COLOURS.block.bg} c={ACTION_COLOURS.block.fg} style={{ border: `1px solid ${ACTION_COLOURS.block.border}` }}
      data-testid="always-blocked">
      <LockIcon />Always blocked (illegal content)
    </Badge>
  );
}

/** One category's row; memoised, as a policy page shows about sixty of them. */
const CategoryRow = memo(function CategoryRow({ category, action, isDefault, editable, onChange }: {
  category: Category; action: PolicyAction; isDefault: boolean; editable: boolean; onChange(id: string, action: PolicyAction): void;
}) {
  const nameId = `category-${category.id}`;
  const descriptionId = `category-${category.id}-about`;
  return (
    <Group justify="space-between" align="center" wrap="wrap" gap="sm" py={10} style={{ borderTop: '1px solid var(--mantine-color-gray-2)' }}
      data-testid="category-row" data-category={category.id}>
      <div style={{ flex: '1 1 280px', minWidth: 0 }}>
        <Text fw={650} fz="sm" id={nameId}>{category.name}</Text>
        <Text fz="xs" c="dimmed" id={descriptionId}>{category.description}</Text>
        {isDefault && !category.illegal && <Text fz="xs" c="dimmed" fs="italic">Not set: uses the policy’s default.</Text>}
      </div>
      {category.illegal ? <AlwaysBlocked />
        : editable ? (
          <SegmentedControl data={SEGMENTS} value={action} onChange={(v) => onChange(category.id, v as PolicyAction)}
            aria-labelledby={nameId} aria-describedby={descriptionId} color={ACTION_COLOURS[action].fg} size="sm" radius="md"
            transitionDuration={0} withItemsBorders={false} />
        ) : <ActionBadge action={action} />}
    </Group>
  );
});

export function CategoryMatrix({ categories, actions, defaultAction, editable, onChange }: {
  categories: Category[]; actions: Record<string, PolicyAction>; defaultAction: PolicyAction; editable: boolean;
  onChange(id: string, action: PolicyAction): void;
}) {
  return (
    <Stack gap="md">
      <Paper withBorder radius="md" p="md">
        <Text fz="sm" fw={650}>What the choices mean</Text>
        <List fz="sm" spacing={2} mt={4}>
          {ACTIONS.map((a) => <List.Item key={a}><Text span fw={650} fz="sm">{ACTION_LABELS[a]}:</Text> {ACTION_HELP[a]}.</List.Item>)}
        </List>
      </Paper>
      {CATEGORY_GROUPS.map((g) => {
        const rows = categories.filter((c) => c.group === g.id);
        if (rows.length === 0) return null;
        const headingId = `category-group-${g.id}`;
        return (
          <Paper key={g.id} withBorder radius="md" p="md" component="section" aria-labelledby={headingId}>
            <Title order={3} fz={17} id={headingId}>{g.label}</Title>
            <Text fz="sm" c="dimmed" mb="xs">{g.text}</Text>
            {rows.map((c) => (
              <CategoryRow key={c.id} category={c} action={actions[c.id] ?? defaultAction} isDefault={!(c.id in actions)} editable={editable} onChange={onChange} />
            ))}
          </Paper>
        );
      })}
    </Stack>
  );
}
