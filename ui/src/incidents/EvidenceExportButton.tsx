/**
 * "Export PDF": the whole incident for a police or LADO referral (R5.9) — history, steps and evidence hashes, never
 * images. Every export is recorded in the audit log and the incident's history.
 */
import { Button, Tooltip } from '@mantine/core';

export function EvidenceExportButton({ incidentId, reference }: { incidentId: string; reference: string }) {
  return (
    <Tooltip label="For a police or LADO referral: the full history, steps and evidence hashes. The export is recorded.">
      <Button component="a" variant="default" href={`/api/incidents/${incidentId}/export.pdf`} download={`${reference}.pdf`} data-testid="export-pdf">
        Export PDF
      </Button>
    </Tooltip>
  );
}
