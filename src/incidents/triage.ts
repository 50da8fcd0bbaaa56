/**
 * Guided triage (R5.3): the policy's "Flowcharts for Managing an E-Safety Incident" as data. Questions have answers;
 * branches say when they apply (a condition over the answers) and which steps they put on the incident's checklist.
 * The evaluator below is the only code: to change what Osprey asks or requires, change this table.
 */
export interface TriageQuestion {
  key: string;
  text: string;
  help: string;
  options: Array<{ value: string; label: string }>;
  /** Asked only when this condition holds (otherwise its answer is not needed). */
  askWhen?: Condition;
}

/** A condition over the answers: every clause must hold; a clause holds when the answer is one of `in`. */
export interface Condition { all: Array<{ question: string; in: string[] }> }

export interface TriageStep {
  key: string;
  label: string;
  guidance: string;
  /** Who normally does it. */
  who: string;
  /** A required step must be done, or skipped with a reason, before the incident can be closed. */
  required: boolean;
  /** Something Osprey does when the step is ticked. */
  effect?: 'disable_accounts';
}

export interface TriageBranch { key: string; label: string; when: Condition; steps: TriageStep[] }

const YES_NO = [{ value: 'yes', label: 'Yes' }, { value: 'no', label: 'No' }];

export const TRIAGE_QUESTIONS: readonly TriageQuestion[] = [
  {
    key: 'illegal', text: 'Was illegal material or activity found or suspected?',
    help: 'For example child sexual abuse images, grooming, extreme pornography, criminally racist material, promoting terrorism, or extreme cyberbullying. If you are not sure, answer yes and ask the police for advice.',
    options: YES_NO,
  },
  {
    key: 'staff_involved', text: 'Did the incident involve a member of staff (not as a victim)?',
    help: 'A member of staff who did something, or may have done something, wrong.', options: YES_NO,
  },
  {
    key: 'staff_risk', text: 'Has the member of staff harmed a child, or may they have, or may they in future?',
    help: 'Also answer yes if they may have committed a criminal offence against or related to a child, or behaved towards children in a way that suggests they would pose a risk of harm if they work with children.',
    options: YES_NO, askWhen: { all: [{ question: 'staff_involved', in: ['yes'] }] },
  },
  {
    key: 'pupil_role', text: 'Was a pupil the victim or the instigator?',
    help: 'If pupils were on both sides, answer "both".',
    options: [{ value: 'victim', label: 'Victim' }, { value: 'instigator', label: 'Instigator' }, { value: 'both', label: 'Both' }, { value: 'none', label: 'No pupil involved' }],
  },
  {
    key: 'serious', text: 'Is it serious or persistent, or could a child be at risk?',
    help: 'Parents or carers are then informed, and the Designated Safeguarding Lead is told (a child who instigates can be at risk too).',
    options: YES_NO, askWhen: { all: [{ question: 'pupil_role', in: ['victim', 'instigator', 'both'] }] },
  },
];

export const TRIAGE_BRANCHES: readonly TriageBranch[] = [
  {
    key: 'every_incident', label: 'Every incident', when: { all: [] },
    steps: [
      { key: 'keep_evidence', label: 'Keep the evidence', guidance: 'Record the web addresses and describe the content. Screenshots may be kept, except of child sexual abuse images.', who: 'Investigator', required: true },
    ],
  },
  {
    key: 'illegal', label: 'Illegal material or activity', when: { all: [{ question: 'illegal', in: ['yes'] }] },
    steps: [
      { key: 'report_police', label: 'Report to the police now', guidance: 'Follow any advice the police give. Write the police reference number in the note.', who: 'Designated Safeguarding Lead or headteacher', required: true },
      { key: 'referral_ceop_iwf', label: 'Refer to CEOP (grooming or sexual contact with a child) or report images to the IWF', guidance: 'CEOP: www.ceop.police.uk. Internet Watch Foundation: report.iwf.org.uk. Write the referral reference in the note.', who: 'Designated Safeguarding Lead', required: true },
      { key: 'do_not_view', label: 'Do not view, copy or forward the material', guidance: 'Save the evidence as it is and let the police review it. Do not take screenshots of child sexual abuse images.', who: 'Everyone involved', required: true },
      { key: 'secure_device', label: 'Confiscate and isolate the device', guidance: 'Any change to its state may hinder a police investigation. Note where it is kept.', who: 'Investigator', required: true },
      { key: 'disable_account', label: 'Disable the user\'s school account', guidance: 'Ticking this disables the school accounts of the instigators in the directory and ends their sessions.', who: 'Designated Safeguarding Lead or network manager', required: true, effect: 'disable_accounts' },
      { key: 'inform_dsl', label: 'Inform the child-protection lead (Designated Safeguarding Lead)', guidance: 'If a pupil is involved, also the child protection school liaison officer.', who: 'Whoever is handling the incident', required: true },
    ],
  },
  {
    key: 'illegal_staff', label: 'Illegal, with a member of staff involved', when: { all: [{ question: 'illegal', in: ['yes'] }, { question: 'staff_involved', in: ['yes'] }] },
    steps: [
      { key: 'contact_lado', label: 'Contact the Local Authority Designated Officer (LADO)', guidance: 'The LADO manages allegations against adults who work with children. Do not investigate further before speaking to them.', who: 'Headteacher or Designated Safeguarding Lead', required: true },
    ],
  },
  {
    key: 'staff_risk', label: 'A member of staff who may have harmed or may pose a risk to a child', when: { all: [{ question: 'staff_involved', in: ['yes'] }, { question: 'staff_risk', in: ['yes'] }] },
    steps: [
      { key: 'contact_lado', label: 'Contact the Local Authority Designated Officer (LADO)', guidance: 'The LADO manages allegations against adults who work with children. Do not investigate further before speaking to them.', who: 'Headteacher or Designated Safeguarding Lead', required: true },
      { key: 'inform_headteacher', label: 'Inform the headteacher (or the chair of governors if it concerns the headteacher)', guidance: '', who: 'Designated Safeguarding Lead', required: true },
    ],
  },
  {
    key: 'staff_conduct', label: 'A member of staff, no risk to children', when: { all: [{ question: 'illegal', in: ['no'] }, { question: 'staff_involved', in: ['yes'] }, { question: 'staff_risk', in: ['no'] }] },
    steps: [
      { key: 'review_accidental', label: 'Review the evidence: was it accidental or deliberate?', guidance: 'Write your conclusion in the note.', who: 'Investigators', required: true },
      { key: 'staff_disciplinary', label: 'Decide the course of action; follow the disciplinary procedure if it was deliberate', guidance: 'The suggested responses from the staff sanctions matrix are shown below. Schools HR can advise.', who: 'Headteacher', required: true },
    ],
  },
  {
    key: 'pupil_victim', label: 'A pupil as victim', when: { all: [{ question: 'pupil_role', in: ['victim', 'both'] }] },
    steps: [
      { key: 'support_pupil', label: 'Support the pupil in school', guidance: 'By one or more of: the class teacher, a senior leader or the headteacher, the Designated Safeguarding Lead. Write who in the note.', who: 'Class teacher, senior leader or DSL', required: true },
      { key: 'confiscate_device', label: 'Confiscate the device, if appropriate', guidance: '', who: 'Investigator', required: false },
    ],
  },
  {
    key: 'pupil_instigator', label: 'A pupil as instigator', when: { all: [{ question: 'pupil_role', in: ['instigator', 'both'] }] },
    steps: [
      { key: 'other_pupils', label: 'Find out whether other pupils were involved', guidance: '', who: 'Investigators', required: true },
      { key: 'decide_sanctions', label: 'Decide sanctions and support from the school\'s rules', guidance: 'The suggested responses from the pupil sanctions matrix are shown below (more if the pupil has been involved before).', who: 'Head of year or headteacher', required: true },
      { key: 'remove_material', label: 'Ask the pupil to remove offensive material, referring to their Acceptable Use Agreement', guidance: 'If a pupil under 13 refuses, the social network can close the account.', who: 'Class teacher or head of year', required: false },
      { key: 'review_procedures', label: 'Review school procedures and policies in the light of the incident', guidance: '', who: 'Online Safety Lead', required: false },
    ],
  },
  {
    key: 'pupil_serious', label: 'Serious or persistent, or a child may be at risk', when: { all: [{ question: 'pupil_role', in: ['victim', 'instigator', 'both'] }, { question: 'serious', in: ['yes'] }] },
    steps: [
      { key: 'inform_parents', label: 'Inform parents or carers', guidance: 'Unless telling them could put the child at risk: then skip this step with that reason, and talk to the DSL.', who: 'Head of year or DSL', required: true },
      { key: 'inform_dsl', label: 'Inform the child-protection lead (Designated Safeguarding Lead)', guidance: 'If a child is at risk, tell the DSL immediately.', who: 'Whoever is handling the incident', required: true },
    ],
  },
  {
    key: 'pupil_minor', label: 'Not serious or persistent', when: { all: [{ question: 'pupil_role', in: ['victim', 'instigator', 'both'] }, { question: 'serious', in: ['no'] }] },
    steps: [
      { key: 'inform_parents_optional', label: 'Inform parents or carers, as appropriate', guidance: '', who: 'Class teacher or head of year', required: false },
    ],
  },
];

export function holds(c: Condition, answers: Record<string, string>): boolean {
  return c.all.every((clause) => clause.in.includes(answers[clause.question] ?? ''));
}

/** The questions that must be answered for these answers (those whose askWhen holds). */
export function questionsToAsk(answers: Record<string, string>): TriageQuestion[] {
  return TRIAGE_QUESTIONS.filter((q) => !q.askWhen || holds(q.askWhen, answers));
}

/** The steps these answers require, each once (the first branch that names a step owns it), in flowchart order. */
export function stepsFor(answers: Record<string, string>): Array<TriageStep & { branch: string }> {
  const out = new Map<string, TriageStep & { branch: string }>();
  for (const b of TRIAGE_BRANCHES) {
    if (!holds(b.when, answers)) continue;
    for (const s of b.steps) if (!out.has(s.key)) out.set(s.key, { ...s, branch: b.key });
  }
  return [...out.values()];
}

export const BRANCH_LABELS: Record<string, string> = Object.fromEntries(TRIAGE_BRANCHES.map((b) => [b.key, b.label]));
