/**
 * Who must sign what, now (R6.2): every active person against every published, active template whose audience they
 * are in, with the status of their signature by the injected clock. Coverage, pending lists and the filter's gate
 * are all this one answer, so they never disagree.
 */
import type { Db } from '../platform/db.ts';
import { inAudience } from './audience.ts';
import * as store from './store.ts';
import { statusOf, type AgreementSettings, type SignStatus } from './status.ts';

export interface AgreementDue {
  person: store.PersonFacts;
  template: store.TemplateRow;
  version: store.VersionRow;
  status: SignStatus;
  signature?: store.SignatureRow;
  graceUntil?: Date;
}

export async function assess(db: Db, schoolId: string, now: Date, personIds?: string[]): Promise<{ settings: AgreementSettings; due: AgreementDue[] }> {
  const [settings, templates, versions, people, signatures] = await Promise.all([
    store.loadSettings(db, schoolId), store.listTemplates(db, schoolId), store.currentVersions(db, schoolId),
    store.peopleFacts(db, schoolId, personIds), store.signaturesOf(db, schoolId, personIds),
  ]);
  const published = templates.filter((t) => t.active && versions.has(t.id));
  const byPerson = new Map<string, store.SignatureRow[]>();
  for (const s of signatures) {
    const list = byPerson.get(s.personId) ?? [];
    list.push(s);
    byPerson.set(s.personId, list);
  }
  const due: AgreementDue[] = [];
  for (const person of people) {
    for (const template of published) {
      if (!inAudience(template.audience, person)) continue;
      const version = versions.get(template.id)!;
      const mine = (byPerson.get(person.id) ?? []).filter((s) => s.templateId === template.id);
      const answer = statusOf({ version, signatures: mine, joinedAt: person.joinedAt }, settings, now);
      const signature = answer.signature && mine.find((s) => s.id === answer.signature!.id);
      due.push({ person, template, version, status: answer.status, signature, graceUntil: answer.graceUntil });
    }
  }
  return { settings, due };
}
