/** `osprey demo`: the demo school loaded through the same path as an MIS import, so it exercises the real code. */
import { temporaryPassword } from '../platform/auth/passwords.ts';
import type { Clock } from '../platform/context.ts';
import type { Db } from '../platform/db.ts';
import { createAdministrator, ensureSchool, setupNeeded } from '../platform/setup.ts';
import { generateDemoSchool } from './demo-school.ts';
import { applyImport, planImport } from './import-apply.ts';
import { peopleDirectory } from './index.ts';

export interface DemoResult {
  schoolName: string;
  pupils: number;
  staff: number;
  parents: number;
  governors: number;
  /** Set when a demo administrator was created: "admin" with this temporary password. */
  adminPassword?: string;
}

export async function loadDemoSchool(db: Db, clock: Clock, onProgress?: (done: number, total: number) => void): Promise<DemoResult> {
  const demo = generateDemoSchool();
  const school = await ensureSchool(db, demo.schoolName, clock.now());
  const actor = { id: null, label: 'demo school loader', schoolId: school.id };
  const parsed = { people: demo.people, problems: [] };
  // Never mark anyone as a leaver: the demo is added beside whatever the school already has.
  const plan = await planImport(db, school.id, parsed, { markLeavers: false });
  if (plan.problems.length) throw new Error(`The demo school could not be loaded: ${plan.problems[0].message}`);
  await applyImport(db, school.id, parsed, plan, { source: 'demo', actor, now: clock.now(), onProgress });
  let adminPassword: string | undefined;
  if (await setupNeeded(db)) {
    adminPassword = temporaryPassword();
    await createAdministrator(db, clock, peopleDirectory, { schoolName: demo.schoolName, givenName: 'Demo', familyName: 'Administrator', username: 'admin', password: adminPassword, temporary: true }, actor);
  }
  const count = (role: string) => demo.people.filter((p) => p.roles.includes(role as never)).length;
  const staffRoles = ['headteacher', 'slt', 'online_safety_lead', 'dsl', 'deputy_dsl', 'network_manager', 'teacher', 'support_staff', 'dpo'];
  return {
    schoolName: school.name, pupils: count('pupil'), parents: count('parent'), governors: count('governor'),
    staff: demo.people.filter((p) => p.roles.some((r) => staffRoles.includes(r))).length, adminPassword,
  };
}
