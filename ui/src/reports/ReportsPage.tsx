/** Reports for leaders and governors. */
import { Page } from '../app/Page.tsx';
import { DirectoryReport } from './DirectoryReport.tsx';

export function ReportsPage() {
  return (
    <Page title="Reports" description="Summary numbers for leaders and governors. No personal details are shown, except who holds the key roles.">
      <DirectoryReport />
    </Page>
  );
}
