/** The frame around every logged-in page: school, person, log-out, the navigation they may use, and notices. */
import { useState, type ReactNode } from 'react';
import { Alert, Box, Button, Container, Group, Menu, Text, UnstyledButton, VisuallyHidden } from '@mantine/core';
import { messageOf } from '../api.ts';
import { useAuth, useMe } from './auth.tsx';
import { FlashOutlet, useFlash } from './flash.tsx';
import { Link, linkProps, useLocation } from './router.tsx';
import type { Permission } from './types.ts';

interface NavItem { label: string; to: string; permission?: Permission; role?: string; active(path: string): boolean }

export const NAV: NavItem[] = [
  { label: 'Home', to: '/', active: (p) => p === '/' },
  { label: 'People & groups', to: '/people', permission: 'people.read', active: (p) => (p.startsWith('/people') && p !== '/people/import') || p === '/groups' },
  { label: 'Import people', to: '/people/import', permission: 'people.import', active: (p) => p === '/people/import' },
  { label: 'Filtering', to: '/filtering', permission: 'filtering.read', active: (p) => p.startsWith('/filtering') },
  { label: 'Devices and log-on', to: '/devices', permission: 'identity.manage', active: (p) => p.startsWith('/devices') },
  { label: 'Activity', to: '/activity', permission: 'activity.read', active: (p) => p.startsWith('/activity') },
  { label: 'Alerts', to: '/alerts', permission: 'alerts.read', active: (p) => p.startsWith('/alerts') },
  { label: 'Phrase lists', to: '/monitoring', permission: 'monitoring.manage', active: (p) => p.startsWith('/monitoring') },
  { label: 'Incidents', to: '/incidents', active: (p) => p.startsWith('/incidents') && p !== '/incidents/report' && p !== '/incidents/dashboard' },
  { label: 'Incidents dashboard', to: '/incidents/dashboard', permission: 'incidents.read', active: (p) => p === '/incidents/dashboard' },
  { label: 'Report a concern', to: '/incidents/report', active: (p) => p === '/incidents/report' },
  { label: 'Agreements', to: '/agreements', permission: 'agreements.read', active: (p) => p.startsWith('/agreements') && p !== '/agreements/sign' },
  { label: 'Sign agreements', to: '/agreements/sign', active: (p) => p === '/agreements/sign' },
  { label: 'Audit log', to: '/audit', permission: 'audit.read', active: (p) => p.startsWith('/audit') },
  { label: 'Reports', to: '/reports', permission: 'reports.read', active: (p) => p.startsWith('/reports') },
  { label: 'Photo consent', to: '/consents', permission: 'consents.check', active: (p) => p.startsWith('/consents') },
  { label: 'My children', to: '/family', role: 'parent', active: (p) => p === '/family' },
];

export function Logo({ size = 30 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <circle cx="16" cy="16" r="15" fill="#1f6b85" />
      <path d="M6 18c4-6 8-8 10-8s6 2 10 8c-3-2-7-3-10-3s-7 1-10 3z" fill="#fff" />
      <circle cx="16" cy="13" r="1.6" fill="#fff" />
    </svg>
  );
}

/** A small "opens a menu" arrow, drawn rather than typed so it is not read out or measured as text. */
function Chevron() {
  return (
    <svg width={12} height={12} viewBox="0 0 12 12" aria-hidden="true" focusable="false">
      <path d="M2 4l4 4 4-4" fill="none" stroke="currentColor" strokeWidth={1.8} strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}

export function Brand({ school }: { school?: string }) {
  return (
    <Group gap="sm" wrap="nowrap">
      <Logo />
      <div>
        <Text fw={700} fz="lg" lh={1.1} c="osprey.9">Osprey</Text>
        {school && <Text fz="sm" c="dimmed" lh={1.2}>{school}</Text>}
      </div>
    </Group>
  );
}

function LogOutButton() {
  const { logOut } = useAuth();
  const flash = useFlash();
  const [busy, setBusy] = useState(false);
  return (
    <Button variant="default" loading={busy} onClick={async () => {
      setBusy(true);
      try {
        await logOut();
      } catch (e) {
        flash.show(messageOf(e), 'red');
        setBusy(false);
      }
    }}>Log out</Button>
  );
}

/** restricted: only log-out is offered (the person must change their password first). */
export function Shell({ children, restricted = false }: { children: ReactNode; restricted?: boolean }) {
  const me = useMe();
  const { path } = useLocation();
  const items = NAV.filter((n) => (!n.permission || me.permissions.includes(n.permission)) && (!n.role || me.person.roles.includes(n.role)));
  const fullName = `${me.person.givenName} ${me.person.familyName}`;
  const needsTwoStep = !restricted && me.mfa.required && !me.mfa.enrolled && path !== '/account/two-step';

  return (
    <>
      <a href="#main" className="osprey-skip-link">Skip to the page content</a>
      <Box component="header" bg="white" style={{ borderBottom: '1px solid var(--mantine-color-gray-3)' }} className="osprey-no-print">
        <Container size="xl" py="sm">
          <Group justify="space-between" wrap="wrap" gap="sm">
            {/* Named by its visible text ("Osprey", the school) plus a hidden "home page", so that speech-input users can say
                what they see (WCAG 2.5.3 Label in Name). */}
            <UnstyledButton component="a" {...linkProps('/')} style={{ borderRadius: 8 }}>
              <Brand school={me.school.name} />
              <VisuallyHidden>(home page)</VisuallyHidden>
            </UnstyledButton>
            <Group gap="sm" wrap="nowrap">
              {restricted ? (
                <Text fw={600}>{fullName}</Text>
              ) : (
                // No focus placeholder: Mantine's is a role="presentation" element with a tabindex inside role="menu", which
                // a menu may not contain (only menu items). Focus goes to the first item instead, as the ARIA menu-button
                // pattern describes; the arrow keys move between items.
                <Menu position="bottom-end" withinPortal withInitialFocusPlaceholder={false}>
                  <Menu.Target>
                    <Button variant="subtle" color="dark" aria-label={`Your account: ${fullName}`} rightSection={<Chevron />}>
                      {fullName}
                    </Button>
                  </Menu.Target>
                  <Menu.Dropdown>
                    <Menu.Label>{me.person.roleLabels.join(', ') || 'No role'}</Menu.Label>
                    <Menu.Item component="a" {...linkProps('/change-password')} data-autofocus>Change my password</Menu.Item>
                    <Menu.Item component="a" {...linkProps('/account/two-step')}>Two-step verification</Menu.Item>
                  </Menu.Dropdown>
                </Menu>
              )}
              <LogOutButton />
            </Group>
          </Group>
          {!restricted && (
            <Group component="nav" aria-label="Main" gap={4} mt="sm" className="osprey-nav" wrap="wrap">
              {items.map((item) => {
                const active = item.active(path);
                return (
                  <Button key={item.to} component="a" {...linkProps(item.to)} variant="subtle" color={active ? 'osprey' : 'dark'}
                    aria-current={active ? 'page' : undefined} size="sm" fw={active ? 700 : 500}>
                    {item.label}
                  </Button>
                );
              })}
            </Group>
          )}
        </Container>
      </Box>
      <Container size="xl" py="lg" component="main" id="main" tabIndex={-1} style={{ outline: 'none' }}>
        {needsTwoStep && (
          <Alert color="yellow" variant="light" title="Please set up two-step verification" mb="md" className="osprey-no-print">
            Your role can see safeguarding information, so you need to set up two-step verification.{' '}
            <Link to="/account/two-step" fw={600}>Set it up now</Link> – it takes about two minutes with an authenticator app on your phone.
          </Alert>
        )}
        <FlashOutlet />
        {children}
      </Container>
    </>
  );
}

/** The frame for pages shown before log-in: set-up and log-in. */
export function PublicFrame({ children }: { children: ReactNode }) {
  return (
    <Container size={480} py={48} component="main" id="main">
      <Group justify="center" mb="lg"><Brand /></Group>
      <FlashOutlet />
      {children}
    </Container>
  );
}
