/**
 * The composition root's HTTP part: platform's application (src/platform/http.ts) with every module's routes, in
 * the order the OpenAPI document lists them. A new module's routes are added here, and nowhere in platform.
 */
import { activityRoutes } from '../activity/routes.ts';
import { consentRoutes } from '../agreements/consent-routes.ts';
import { agreementRoutes } from '../agreements/routes.ts';
import { directoryRoutes } from '../directory/routes.ts';
import { identityRoutes } from '../filtering/identity/routes.ts';
import { policyRoutes } from '../filtering/policy/routes.ts';
import { sourceRoutes } from '../filtering/sources/routes.ts';
import { IdentityService } from '../filtering/identity/service.ts';
import { SnapshotCache } from '../filtering/snapshots.ts';
import { whyRoutes } from '../filtering/why-routes.ts';
import { filterNodeRoutes } from '../filternode/routes.ts';
import { dashboardRoutes } from '../incidents/dashboard-routes.ts';
import { escalateRoutes } from '../incidents/escalate-routes.ts';
import { coreIncidentAccess } from '../incidents/evidence-access.ts';
import { evidenceRoutes } from '../incidents/evidence-routes.ts';
import { exportRoutes } from '../incidents/export-routes.ts';
import { retentionRoutes } from '../incidents/retention-routes.ts';
import { incidentRoutes } from '../incidents/routes.ts';
import { monitoringRoutes } from '../monitoring/routes.ts';
import type { AppDeps } from '../platform/context.ts';
import { buildApp, type ModuleRoutes } from '../platform/http.ts';

/** What the root builds once and shares between modules' routes and its own jobs. */
export interface SharedServices {
  /** Compiled filtering snapshots: one per school, shared by the live filter, "why?" and the filter-node routes. */
  snapshots: SnapshotCache;
  /** Who is on which device: one per installation, so a web log-on is in force at the proxy's next request. */
  identity: IdentityService;
}

export function sharedServices(deps: AppDeps): SharedServices {
  return {
    snapshots: new SnapshotCache(deps.db, { dataDir: deps.config.dataDir, timeZone: deps.config.timeZone }),
    identity: new IdentityService(deps),
  };
}

/** Every module's route plugin, built once over the same dependencies. */
export function moduleRoutes(deps: AppDeps, shared: SharedServices): ModuleRoutes[] {
  // Incident records (evidence, export, retention, the dashboard) ask the incident core who may see a record.
  const incidentRecords = coreIncidentAccess(deps.db);
  return [
    directoryRoutes(deps),
    activityRoutes(deps),
    filterNodeRoutes(deps, shared.snapshots, shared.identity),
    policyRoutes(deps),
    sourceRoutes(deps),
    whyRoutes(deps, shared.snapshots),
    identityRoutes(deps, shared.identity),
    monitoringRoutes(deps),
    incidentRoutes(deps),
    escalateRoutes(deps),
    evidenceRoutes(deps, incidentRecords),
    exportRoutes(deps, incidentRecords),
    agreementRoutes(deps, {
      async agreementsChanged() {
        await shared.identity.ready();
        await shared.identity.refreshAgreements();
      },
    }),
    consentRoutes(deps),
    retentionRoutes(deps, incidentRecords),
    dashboardRoutes(deps, incidentRecords),
  ];
}

/** Osprey's whole HTTP application: what `osprey serve` runs, and what the API tests drive. */
export function buildOspreyApp(deps: AppDeps, shared: SharedServices = sharedServices(deps)) {
  return buildApp(deps, moduleRoutes(deps, shared));
}
