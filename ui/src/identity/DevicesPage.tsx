/**
 * Devices and log-on (R2.10): how the web proxy and DNS resolver know who is browsing. Address ranges and named
 * devices put requests into groups; people can log on at the log-on page; and a setting says what happens to devices
 * nobody can identify. For people with identity.manage (administrators and the network manager).
 */
import { Page } from '../app/Page.tsx';
import type { Group as GroupRow } from '../app/types.ts';
import { useApi } from '../app/useApi.ts';
import { RangesSection } from './RangesSection.tsx';
import { SessionsSection } from './SessionsSection.tsx';
import { UnidentifiedSection } from './UnidentifiedSection.tsx';

export function DevicesPage() {
  const groups = useApi<{ groups: GroupRow[] }>('/api/groups');
  return (
    <Page title="Devices and log-on"
      description="How the web filter knows who is browsing: first anyone logged on at the device, then the device’s address range, and otherwise the setting for devices nobody can identify. Changes here are in force for the next web request.">
      <RangesSection groups={groups.data?.groups} groupsError={groups.error ? `The school’s groups could not be loaded: ${groups.error}` : null} />
      <SessionsSection />
      <UnidentifiedSection />
    </Page>
  );
}
