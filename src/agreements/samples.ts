/**
 * The sample Acceptable Use Agreements Osprey ships (R6.1), written for the project and modelled on the points the
 * seed policies' appendices cover. Schools edit them before publishing. Young children's versions use short
 * sentences and "I will …"; every version says that internet use in school is filtered and monitored (R4.4).
 */
import type { Audience } from './audience.ts';

export interface SampleTemplate {
  key: string;
  name: string;
  audience: Audience;
  /** A parent's signature is enough (EYFS and KS1 children, R6.3). */
  parentMaySign: boolean;
  body: string;
}

const STAFF_ROLES = ['headteacher', 'slt', 'online_safety_lead', 'dsl', 'deputy_dsl', 'network_manager', 'teacher', 'support_staff', 'governor', 'online_safety_governor', 'dpo', 'volunteer'];

export const SAMPLE_TEMPLATES: SampleTemplate[] = [
  {
    key: 'ks1', name: 'Pupils in Early Years and Key Stage 1', parentMaySign: true,
    audience: { roles: ['pupil'], groupIds: [], keyStages: ['EYFS', 'KS1'] },
    body: `# Staying safe on computers and tablets

This is how I keep safe when I use computers, tablets and the internet at school.

**I will:**

- I will ask a grown-up before I use a computer or tablet.
- I will only go on websites and apps my teacher says are OK.
- I will keep my password secret. I will not tell my friends.
- I will be kind in everything I write or send.
- I will tell my teacher if something makes me feel sad, scared or worried.
- I will not answer unkind messages. I will show them to a grown-up.
- I will not tell people online my name, where I live, or about my family or pets.
- I will ask my teacher before I put a photo of me online.
- I will only talk online to people I know in real life.
- I will never go to meet someone I only know online.
- I will not use my own phone or tablet in school unless a grown-up says I can.
- I will look after the school's computers and tablets.

**I know that:**

- Grown-ups at school can see what I do on the computer. The school's internet is checked and monitored to keep me safe.
- I can press the CEOP "Report" button, or tell a grown-up, if something online worries me.

*For parents and carers:* please read this with your child. Your signature is enough for a child of this age.
`,
  },
  {
    key: 'ks2', name: 'Pupils in Key Stage 2', parentMaySign: false,
    audience: { roles: ['pupil'], groupIds: [], keyStages: ['KS2'] },
    body: `# Using computers and the internet safely (Key Stage 2)

I want to feel safe whenever I use a computer, tablet or phone. I understand that these rules help keep me and my
friends safe.

## I will

- keep my passwords private and never use somebody else's;
- only visit websites and use apps that are right for me and that my school allows;
- be polite and kind in every message I send or post;
- tell a trusted adult straight away about anything that makes me feel worried, upset or uncomfortable;
- not reply to nasty messages, and show them to an adult instead;
- keep my personal details private — my full name, address, school, journey to school, family, pets and hobbies;
- check with an adult before I share a picture or video of myself or anyone else;
- only email or message people I know, or people my school has agreed to, using my school account;
- ask a teacher before I buy or order anything online;
- talk to an adult before I join a social network or sign up to any website;
- follow the rules (terms and conditions) of the websites I use;
- only make and share things that are legal and that I have permission to use;
- never meet someone I have only met online unless I take a trusted adult I know with me;
- not use my own phone or device in school unless I have been given permission;
- look after the school network and never try to get round the school's filter.

## I understand

- The school filters and monitors the internet, so staff can see the websites I visit and what I do on school
  devices and the school network.
- Once something is shared online it is out of my control, and other people may use it in ways I did not want.
- I know about the CEOP "Report" button and when to use it.
- If I break these rules I may not be allowed to use the school's computers for a while.
`,
  },
  {
    key: 'ks3', name: 'Students in Key Stage 3 and above', parentMaySign: false,
    audience: { roles: ['pupil'], groupIds: [], keyStages: ['KS3', 'KS4', 'KS5'] },
    body: `# Acceptable Use Agreement for students (Key Stage 3 and above)

The school provides computers, the network, the internet and online services to support your learning. This
agreement is about using them — and your own devices in school — without putting yourself or anyone else at risk.

## I will

- respect the security of the school network and never try to bypass the filter (for example with proxies or VPNs);
- choose strong passwords and keep them to myself; log off when I have finished;
- handle personal information — mine and other people's — carefully and securely;
- only visit sites and use content that are appropriate for school, and follow websites' terms and conditions;
- respect copyright: only use other people's work when I have permission, and credit it;
- only create and share content that is legal and respectful;
- talk to a responsible adult before joining a social network, and not use social networks in school unless
  a teacher has said I may;
- ask a teacher's permission before ordering anything online;
- use only my school email and approved accounts to contact people I know or the school has approved;
- be careful about sharing contact details, and never meet an online-only contact without a trusted adult;
- report anything unsuitable, worrying or harmful to a member of staff — including things that happen to others;
- only use my own phone or device in school when I have been given permission.

## I will not

- act in a way that breaks the school's behaviour policy, online or offline;
- send, forward or reply to anything unkind, threatening or inappropriate, or pass on chain messages;
- look for, make, share, download or upload material that is illegal, sexual, violent, bullying, discriminatory,
  extremist or promotes hatred or illegal acts;
- do anything that could put someone else at risk of harm.

## I understand

- **The school filters and monitors internet use** on school devices and on the school network, including my own
  device when it is connected, and may report what it finds to staff and, where needed, to my parents or carers.
- What I share online can be copied and used in ways I did not intend, and I cannot take it back.
- I know about the CEOP "Report" button and when to use it.
- If I do not follow this agreement I may lose access to school systems, and the behaviour policy will apply. Illegal
  activity may be reported to the police.
`,
  },
  {
    key: 'staff', name: 'Staff, governors and volunteers', parentMaySign: false,
    audience: { roles: STAFF_ROLES, groupIds: [], keyStages: [] },
    body: `# Acceptable Use Agreement for staff, governors and volunteers

Digital technology is part of teaching, learning and running the school. Everyone who works or volunteers here
must use it responsibly, protect pupils and colleagues, and model safe behaviour online. This agreement applies to
school devices and systems in and out of school, to your own devices when used in school or for school business,
and to any personal data you take out of school.

## Safety and professional conduct

- I understand that **the school filters internet access and monitors the use of its devices, network and
  systems**, including my own devices when connected to them.
- I will keep my username and password to myself, never use anyone else's account, and lock or log off devices
  when I leave them.
- I will report straight away any access — deliberate or accidental, by me or by others — to illegal,
  inappropriate or harmful material, to the Designated Safeguarding Lead or Online Safety Lead.
- I will not install software or change settings unless the network manager has agreed, and I will not try to get
  round the filter or any security system.
- I will not damage school equipment, and I will report faults and damage promptly.
- I will handle personal data only as the Data Protection Policy allows, keep pupil and staff information
  confidential, and only take it off site in the ways the school approves (for example encrypted, school-provided
  storage).
- I will respect copyright and not download or share copies of protected material.
- I will not open links or attachments in messages I have doubts about.
- I will not make large uploads or downloads that would slow the network for others, unless agreed.

## Communication and social media

- I will communicate professionally and respectfully, online and offline.
- I will contact pupils and parents only through the school's official systems — never from a personal email
  address, phone number or social media account.
- I will not accept or send "friend" or "follow" requests to or from pupils, and I will report any such request.
- I will tell the headteacher about any existing personal contact with pupils or their families online.
- I will keep my personal social media private and will not post anything that could bring the school, colleagues
  or pupils into disrepute or that discusses pupils, parents or school matters.
- I will not use the school's name or logo without permission.

## Devices and images

- When I bring my own device into school I will follow this agreement as if it were a school device, keep it secure
  and up to date, and keep it switched off or silent and out of sight while working with pupils unless agreed.
- I will not use a personal device to photograph or record pupils unless the headteacher has given written
  permission. Images are taken and published only in line with the school's policy and parents' consent, and
  published images do not identify pupils by name.
- I will report any messages or images sent to me that could be inappropriate.

## Agreement

I understand that this agreement applies in and out of school, that breaking it may lead to disciplinary action, and
that suspected illegal activity will be reported to the appropriate authorities. If I have any question about it I
will ask the headteacher or the Online Safety Lead.
`,
  },
  {
    key: 'technician', name: 'Technicians and system administrators (in addition to the staff agreement)', parentMaySign: false,
    audience: { roles: ['network_manager', 'administrator'], groupIds: [], keyStages: [] },
    body: `# Technician's agreement (in addition to the staff agreement)

People who look after the school's systems, or who have administrator access to them, have powers other people do
not. This agreement is signed **as well as** the staff agreement.

- I will use administrator access only for the work the school needs, and never to read other people's files,
  email or activity out of curiosity or for personal reasons.
- I understand that **the filtering and monitoring systems record my own internet use** too, and that changes I make
  to them are logged.
- I will not weaken or switch off filtering, monitoring, anti-virus or other security controls without the agreement
  of the Online Safety Lead or headteacher, and I will record every change and why it was made.
- I will keep administrator passwords and keys secure, use two-step verification where it is available, and change
  shared credentials when someone leaves.
- I will keep systems patched and backed up, and test that backups can be restored.
- I will give temporary access to guests (such as supply staff or visitors) only through the agreed process, and
  only after they have signed the appropriate agreement.
- I will report any suspected security breach, data loss or safeguarding concern immediately to the Designated
  Safeguarding Lead or the headteacher, and preserve any evidence rather than deleting it.
- I will only disclose information from monitoring or logs to the people entitled to see it.
`,
  },
  {
    key: 'parent', name: 'Parents and carers (home–school agreement)', parentMaySign: false,
    audience: { roles: ['parent'], groupIds: [], keyStages: [] },
    body: `# Home–school agreement: internet, devices and images

Please read this with your child and sign it for your family.

## Using the school's computers and the internet

- I agree that my child may use the internet, school email and other technology at school.
- I understand that my child is asked to sign (or, for a young child, I sign for them) an agreement about using
  technology safely, and that the school will let me know if the rules change during the year.
- I understand that **the school uses a filtered internet service and monitors pupils' use** of school devices and
  the school network, and may contact me if there is a concern about my child's safety or behaviour online.
- I understand that no filter is perfect, and that the school takes every reasonable step to keep pupils safe and
  teaches them how to stay safe online.
- I will support safe use of the internet at home and tell the school about any online safety worries I have.

## Phones and personal devices

- I understand the school's rules about phones, smart watches and other personal devices, and that a device used
  against the rules may be kept safe by the school until I collect it.

## Photographs and social media

- When I take photos or videos of my own child at school events, I will not share images of other children on social
  media.
- I will not post anything that could upset, offend or threaten any member of the school community.
- I will raise concerns or complaints with the school through its official channels, not on social media or in
  online groups.

## Images of my child — please answer each question

The school will ask you to record these choices separately in Osprey, and you can change them at any time:

1. May the school use photos of my child on the **school website**?
2. May the school use photos of my child in **printed publications** such as the prospectus or newsletter?
3. May my child appear in **video or on a webcam** used for learning?
4. May my child's work and photos appear on the school's **learning platform**?
5. May photos of my child be used on **displays inside school**?
6. May photos of my child be used in **displays or exhibitions outside school**?
7. May my child appear in the **press or other media** when the school is featured?
8. May the school use photos of my child on its **social media** accounts?
`,
  },
  {
    key: 'community', name: 'Community users', parentMaySign: false,
    audience: { roles: ['community_user'], groupIds: [], keyStages: [] },
    body: `# Acceptable Use Agreement for community users

You have been given access to the school's computers or network. In return we ask you to:

- use the access only for the purpose it was given, and keep any username and password to yourself;
- understand that **the school filters and monitors all use of its internet connection and devices**;
- not try to get round the filter or security systems, install software or change settings;
- not access, make or share anything illegal, offensive, or harmful to others;
- not take or share photos or videos of pupils;
- respect copyright and other people's privacy and files;
- report any damage, fault or worrying content to the member of staff responsible;
- accept that access may be removed if this agreement is broken, and that illegal activity will be reported.
`,
  },
  {
    key: 'guest', name: 'Guests and visitors', parentMaySign: false,
    audience: { roles: ['guest'], groupIds: [], keyStages: [] },
    body: `# Guest and visitor agreement

Welcome. Before you use the school's Wi-Fi or computers, please agree to the following:

- I will use the school's network only for the purpose of my visit.
- I understand that **internet use on the school network is filtered and monitored**.
- I will not try to get round the filter or any security system.
- I will not access, make or share anything illegal, offensive or harmful.
- I will not photograph or record pupils, and I will keep my phone out of sight when I am with pupils unless staff
  agree otherwise.
- I will report anything that worries me about a child's safety to the Designated Safeguarding Lead straight away.
- If I am staying for longer or working without supervision, I will sign the staff agreement instead.
`,
  },
];
