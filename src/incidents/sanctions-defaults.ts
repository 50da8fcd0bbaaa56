/**
 * Osprey's starting sanctions matrix (R5.5), modelled on the pupils' and staff "Actions / Sanctions" tables of the
 * school e-safety policy: for each kind of incident, which responses apply every time ('always') and which only when
 * it happens again ('repeat', the policy's `*`). Each school can change its copy (sanctions.manage); this file is what
 * a school starts with and what "Restore Osprey's defaults" puts back.
 */
export type Audience = 'pupil' | 'staff';
export type ResponseUse = 'always' | 'repeat';

export interface SanctionResponse { key: string; label: string }
export interface SanctionRow { key: string; label: string; responses: Record<string, ResponseUse> }

export const SANCTION_RESPONSES: Record<Audience, readonly SanctionResponse[]> = {
  pupil: [
    { key: 'class_teacher', label: 'Refer to class teacher or tutor' },
    { key: 'head_of_year', label: 'Refer to head of year or head of department' },
    { key: 'headteacher', label: 'Refer to the headteacher' },
    { key: 'police', label: 'Refer to the police' },
    { key: 'technical_staff', label: 'Refer to technical staff (filtering, security)' },
    { key: 'inform_parents', label: 'Inform parents or carers' },
    { key: 'remove_access', label: 'Remove network or internet access' },
    { key: 'warning', label: 'Warning' },
    { key: 'further_sanction', label: 'Further sanction, for example detention or exclusion' },
  ],
  staff: [
    { key: 'line_manager', label: 'Refer to line manager' },
    { key: 'headteacher', label: 'Refer to the headteacher' },
    { key: 'local_authority_hr', label: 'Refer to the local authority or HR' },
    { key: 'police', label: 'Refer to the police' },
    { key: 'technical_staff', label: 'Refer to technical staff (filtering, security)' },
    { key: 'warning', label: 'Warning' },
    { key: 'suspension', label: 'Suspension' },
    { key: 'disciplinary', label: 'Disciplinary action' },
  ],
};

const A = 'always' as const;
const R = 'repeat' as const;

export const DEFAULT_SANCTIONS: Record<Audience, readonly SanctionRow[]> = {
  pupil: [
    { key: 'illegal_material', label: 'Deliberately accessing or trying to access material that could be illegal', responses: { head_of_year: A, headteacher: A, police: A, technical_staff: A, inform_parents: A, remove_access: A, further_sanction: A } },
    { key: 'non_educational_sites', label: 'Using sites that are not educational during lessons without permission', responses: { class_teacher: A, head_of_year: R, headteacher: R, technical_staff: A, remove_access: R, warning: A, further_sanction: R } },
    { key: 'mobile_device', label: 'Using a mobile phone, camera or other device without permission', responses: { class_teacher: A, head_of_year: R, headteacher: R, inform_parents: A, remove_access: R, warning: A, further_sanction: R } },
    { key: 'social_media', label: 'Using social media, messaging apps or personal e-mail without permission', responses: { class_teacher: A, head_of_year: R, headteacher: R, technical_staff: A, remove_access: R, warning: A, further_sanction: R } },
    { key: 'downloading', label: 'Downloading or uploading files without permission', responses: { class_teacher: A, head_of_year: R, headteacher: R, technical_staff: A, remove_access: R, warning: A, further_sanction: R } },
    { key: 'sharing_passwords', label: 'Letting others into the network by sharing a username and password', responses: { class_teacher: A, head_of_year: A, headteacher: A, technical_staff: A, remove_access: R, warning: A, further_sanction: R } },
    { key: 'other_pupil_account', label: 'Using, or trying to use, another pupil\'s account', responses: { class_teacher: A, head_of_year: A, headteacher: A, technical_staff: A, remove_access: R, warning: A, further_sanction: R } },
    { key: 'staff_account', label: 'Using, or trying to use, a member of staff\'s account', responses: { class_teacher: A, head_of_year: A, headteacher: A, technical_staff: A, remove_access: A, further_sanction: A } },
    { key: 'corrupting_data', label: 'Corrupting or destroying other people\'s data', responses: { class_teacher: A, head_of_year: A, headteacher: A, remove_access: A, further_sanction: A } },
    { key: 'offensive_message', label: 'Sending an offensive, harassing or bullying e-mail, text or message', responses: { class_teacher: A, head_of_year: A, headteacher: A, inform_parents: A, remove_access: A, warning: A, further_sanction: R } },
    { key: 'continued', label: 'Carrying on after earlier warnings or sanctions', responses: { class_teacher: A, headteacher: A, police: A, inform_parents: A, remove_access: A, further_sanction: A } },
    { key: 'disrepute', label: 'Actions that could bring the school into disrepute', responses: { class_teacher: A, headteacher: A, inform_parents: A, remove_access: A, warning: A, further_sanction: A } },
    { key: 'subvert_filtering', label: 'Using proxy sites or other ways round the school\'s filtering', responses: { class_teacher: A, headteacher: A, technical_staff: A, inform_parents: A, remove_access: A, further_sanction: A } },
    { key: 'offensive_accidental', label: 'Coming across offensive or pornographic material by accident and not reporting it', responses: { class_teacher: A, headteacher: A, technical_staff: A, remove_access: A, warning: A } },
    { key: 'offensive_deliberate', label: 'Deliberately accessing or trying to access offensive or pornographic material', responses: { class_teacher: A, headteacher: A, police: A, technical_staff: A, inform_parents: A, remove_access: A, further_sanction: A } },
    { key: 'copyright', label: 'Receiving or sending material that breaks copyright or data protection law', responses: { class_teacher: A, head_of_year: A, inform_parents: R, remove_access: R, warning: A, further_sanction: R } },
  ],
  staff: [
    { key: 'illegal_material', label: 'Deliberately accessing or trying to access material that could be illegal', responses: { headteacher: A, local_authority_hr: A, police: A, technical_staff: A, suspension: A, disciplinary: A } },
    { key: 'personal_use', label: 'Inappropriate personal use of the internet, social media or personal e-mail', responses: { headteacher: A, warning: A, disciplinary: R } },
    { key: 'downloading', label: 'Downloading or uploading files without permission', responses: { headteacher: A, technical_staff: A, warning: A, disciplinary: R } },
    { key: 'sharing_passwords', label: 'Sharing a username and password, or using another person\'s account', responses: { headteacher: A, technical_staff: A, warning: A, disciplinary: R } },
    { key: 'careless_personal_data', label: 'Careless use of personal data, for example holding or sending it insecurely', responses: { headteacher: A, warning: A, disciplinary: R } },
    { key: 'breach_security', label: 'Deliberately breaking data protection or network security rules', responses: { headteacher: A, local_authority_hr: A, suspension: A, disciplinary: A } },
    { key: 'corrupting_data', label: 'Corrupting or destroying other people\'s data, or damaging hardware or software on purpose', responses: { headteacher: A, local_authority_hr: A, suspension: A, disciplinary: A } },
    { key: 'offensive_message', label: 'Sending an offensive, harassing or bullying e-mail, text or message', responses: { headteacher: A, warning: A, disciplinary: R } },
    { key: 'contact_with_pupils', label: 'Contacting pupils through personal e-mail, social media or messaging', responses: { headteacher: A, local_authority_hr: A, technical_staff: A, warning: A, suspension: A, disciplinary: A } },
    { key: 'professional_standing', label: 'Actions that could compromise the staff member\'s professional standing', responses: { headteacher: A, warning: A, disciplinary: R } },
    { key: 'disrepute', label: 'Actions that could bring the school into disrepute', responses: { headteacher: A, warning: A, disciplinary: R } },
    { key: 'subvert_filtering', label: 'Using proxy sites or other ways round the school\'s filtering', responses: { headteacher: A, technical_staff: A, warning: A, disciplinary: R } },
    { key: 'offensive_accidental', label: 'Coming across offensive or pornographic material by accident and not reporting it', responses: { headteacher: A, warning: A } },
    { key: 'offensive_deliberate', label: 'Deliberately accessing or trying to access offensive or pornographic material', responses: { headteacher: A, local_authority_hr: A, disciplinary: A } },
    { key: 'copyright', label: 'Breaking copyright or licensing rules', responses: { headteacher: A, warning: A } },
    { key: 'continued', label: 'Carrying on after earlier warnings or sanctions', responses: { headteacher: A, local_authority_hr: A, disciplinary: A } },
  ],
};
