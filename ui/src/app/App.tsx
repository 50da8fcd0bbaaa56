/** Which page to show for the current address, and who may see it. */
import { useEffect, type ReactNode } from 'react';
import { ActivityPage } from '../activity/ActivityPage.tsx';
import { AgreementsPage } from '../agreements/AgreementsPage.tsx';
import { CoveragePage } from '../agreements/CoveragePage.tsx';
import { SignedPage } from '../agreements/SignedPage.tsx';
import { SignPage } from '../agreements/SignPage.tsx';
import { TemplatePage } from '../agreements/TemplatePage.tsx';
import { PersonTimelinePage } from '../activity/PersonTimelinePage.tsx';
import { AlertPage, AlertsPage } from '../monitoring/AlertsPage.tsx';
import { PhrasesPage } from '../monitoring/PhrasesPage.tsx';
import { AuditPage } from '../audit/AuditPage.tsx';
import { ConsentCheckPage } from '../consents/ConsentCheckPage.tsx';
import { FamilyPage } from '../consents/FamilyPage.tsx';
import { PupilConsentsPage } from '../consents/PupilConsentsPage.tsx';
import { ChangePasswordPage } from '../auth/ChangePasswordPage.tsx';
import { LoginPage } from '../auth/LoginPage.tsx';
import { SetupPage } from '../auth/SetupPage.tsx';
import { TwoStepPage } from '../auth/TwoStepPage.tsx';
import { GroupsPage } from '../directory/GroupsPage.tsx';
import { ImportPage } from '../directory/ImportPage.tsx';
import { PeoplePage } from '../directory/PeoplePage.tsx';
import { PersonPage } from '../directory/PersonPage.tsx';
import { ChangesPage } from '../filtering/ChangesPage.tsx';
import { StatusPage } from '../filtering/StatusPage.tsx';
import { ListsPage } from '../filtering/ListsPage.tsx';
import { PoliciesPage } from '../filtering/PoliciesPage.tsx';
import { PolicyPage } from '../filtering/PolicyPage.tsx';
import { DevicesPage } from '../identity/DevicesPage.tsx';
import { ChronologyPage } from '../incidents/ChronologyPage.tsx';
import { DashboardPage as IncidentsDashboardPage } from '../incidents/DashboardPage.tsx';
import { IncidentPage } from '../incidents/IncidentPage.tsx';
import { IncidentsPage } from '../incidents/IncidentsPage.tsx';
import { ReportPage } from '../incidents/ReportPage.tsx';
import { SanctionsPage } from '../incidents/SanctionsPage.tsx';
import { ReportsPage } from '../reports/ReportsPage.tsx';
import { useAuth } from './auth.tsx';
import { HomePage } from './HomePage.tsx';
import { Loading } from './Page.tsx';
import { NoAccessPage, NotFoundPage } from './pages.tsx';
import { matchPath, navigate, useLocation } from './router.tsx';
import { PublicFrame, Shell } from './Shell.tsx';
import type { Permission } from './types.ts';

interface Route { pattern: string; permission?: Permission; render(params: Record<string, string>): ReactNode }

const ROUTES: Route[] = [
  { pattern: '/', render: () => <HomePage /> },
  { pattern: '/change-password', render: () => <ChangePasswordPage /> },
  { pattern: '/account/two-step', render: () => <TwoStepPage /> },
  { pattern: '/people', permission: 'people.read', render: () => <PeoplePage /> },
  { pattern: '/people/import', permission: 'people.import', render: () => <ImportPage /> },
  { pattern: '/people/:id', permission: 'people.read', render: (p) => <PersonPage key={p.id} id={p.id} /> },
  { pattern: '/groups', permission: 'groups.read', render: () => <GroupsPage /> },
  { pattern: '/activity', permission: 'activity.read', render: () => <ActivityPage /> },
  { pattern: '/activity/people/:id', permission: 'activity.read', render: (p) => <PersonTimelinePage key={p.id} id={p.id} /> },
  { pattern: '/alerts', permission: 'alerts.read', render: () => <AlertsPage /> },
  { pattern: '/alerts/:id', permission: 'alerts.read', render: (p) => <AlertPage key={p.id} id={p.id} /> },
  { pattern: '/monitoring', permission: 'monitoring.manage', render: () => <PhrasesPage /> },
  { pattern: '/audit', permission: 'audit.read', render: () => <AuditPage /> },
  { pattern: '/reports', permission: 'reports.read', render: () => <ReportsPage /> },
  { pattern: '/filtering', permission: 'filtering.read', render: () => <PoliciesPage /> },
  { pattern: '/filtering/lists', permission: 'filtering.read', render: () => <ListsPage /> },
  { pattern: '/filtering/changes', permission: 'filtering.read', render: () => <ChangesPage /> },
  { pattern: '/filtering/status', permission: 'filtering.read', render: () => <StatusPage /> },
  { pattern: '/filtering/policies/:id', permission: 'filtering.read', render: (p) => <PolicyPage key={p.id} id={p.id} /> },
  { pattern: '/devices', permission: 'identity.manage', render: () => <DevicesPage /> },
  { pattern: '/incidents', render: () => <IncidentsPage /> },
  { pattern: '/incidents/report', render: () => <ReportPage /> },
  { pattern: '/incidents/dashboard', permission: 'incidents.read', render: () => <IncidentsDashboardPage /> },
  { pattern: '/incidents/sanctions', permission: 'sanctions.manage', render: () => <SanctionsPage /> },
  { pattern: '/incidents/people/:id', permission: 'incidents.read', render: (p) => <ChronologyPage key={p.id} id={p.id} /> },
  { pattern: '/incidents/:id', render: (p) => <IncidentPage key={p.id} id={p.id} /> },
  { pattern: '/agreements/sign', render: () => <SignPage /> },
  { pattern: '/agreements/signed/:id', render: (p) => <SignedPage key={p.id} id={p.id} /> },
  { pattern: '/agreements', permission: 'agreements.read', render: () => <AgreementsPage /> },
  { pattern: '/agreements/coverage', permission: 'agreements.read', render: () => <CoveragePage /> },
  { pattern: '/agreements/templates/:id', permission: 'agreements.read', render: (p) => <TemplatePage key={p.id} id={p.id} /> },
  { pattern: '/consents', permission: 'consents.check', render: () => <ConsentCheckPage /> },
  { pattern: '/consents/pupils/:id', permission: 'consents.manage', render: (p) => <PupilConsentsPage key={p.id} id={p.id} /> },
  { pattern: '/family', render: () => <FamilyPage /> },
];

function Redirect({ to }: { to: string }) {
  useEffect(() => { navigate(to, { replace: true }); }, [to]);
  return <Loading />;
}

export function App() {
  const { me, signedOut } = useAuth();
  const { path, href, search } = useLocation();

  if (path === '/setup') return <PublicFrame><SetupPage /></PublicFrame>;
  if (me === undefined) return <Loading label="Opening Osprey…" />;
  if (path === '/login') {
    if (!me) return <PublicFrame><LoginPage /></PublicFrame>;
    // Just logged in (or already logged in): go where the person was heading.
    const next = search.get('next') ?? '/';
    return <Redirect to={me.mustChangePassword ? '/change-password' : next.startsWith('/') && !next.startsWith('//') ? next : '/'} />;
  }
  if (!me) return <Redirect to={path === '/' || signedOut === 'logout' ? '/login' : `/login?next=${encodeURIComponent(href)}`} />;

  // Roles that see safeguarding information set up (or use) two-step verification before anything else; the same
  // page stays on screen afterwards so the recovery codes can be kept, whichever branch renders it.
  if (me.mfa.required && !me.mfa.verified) {
    if (path !== '/account/two-step') return <Redirect to="/account/two-step" />;
    return <Shell restricted><TwoStepPage /></Shell>;
  }

  if (me.mustChangePassword) {
    if (path === '/account/two-step') return <Shell restricted><TwoStepPage /></Shell>;
    if (path !== '/change-password') return <Redirect to="/change-password" />;
    return <Shell restricted><ChangePasswordPage forced /></Shell>;
  }

  // A parent or carer with nothing else to manage lands on their children's page.
  if (path === '/' && me.person.roles.includes('parent') && me.permissions.length === 0) return <Redirect to="/family" />;

  for (const route of ROUTES) {
    const params = matchPath(route.pattern, path);
    if (!params) continue;
    // Every `:id` in a route is a record's UUID, so '/incidents/report' is never taken for an incident's id.
    if (params.id !== undefined && !/^[0-9a-f-]{36}$/i.test(params.id)) continue;
    if (route.permission && !me.permissions.includes(route.permission)) return <Shell><NoAccessPage /></Shell>;
    return <Shell>{route.render(params)}</Shell>;
  }
  return <Shell><NotFoundPage /></Shell>;
}
