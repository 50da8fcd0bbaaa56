/**
 * Osprey's own category taxonomy (R2.3). Imported lists (UT1, ShadowWhisperer, The Block List Project, a school's
 * own files) are mapped onto these categories by `mappings/*.json`, so that a policy says "block Gambling" once,
 * whatever the lists call it.
 *
 * The ids are stored in policies, change logs, activity logs and reports: KEEP EVERY ID STABLE FOREVER. Rename the
 * `name` or reword the `description` freely; never change or reuse an `id`. To retire a category, keep its entry.
 */
import type { CategoryDef } from '../engine/types.js';

/** How the categories are grouped on screen; not used in decisions. */
export type CategoryGroup =
  | 'illegal'
  | 'safeguarding'
  | 'security'
  | 'circumvention'
  | 'communication'
  | 'media-and-leisure'
  | 'learning-and-information';

export interface TaxonomyCategory extends CategoryDef {
  group: CategoryGroup;
}

type Options = { illegal?: boolean; circumvention?: boolean };

function category(group: CategoryGroup, id: string, name: string, description: string, options: Options = {}): TaxonomyCategory {
  const def: TaxonomyCategory = { id, name, description, illegal: options.illegal ?? false, group };
  if (options.circumvention) def.circumvention = true;
  return def;
}

export const CATEGORIES: readonly TaxonomyCategory[] = [
  // R2.2: loaded from the IWF and CTIRU lists; blocked for everyone, and nobody can allow them.
  category('illegal', 'child-abuse', 'Child sexual abuse content (IWF list)',
    'Web pages the Internet Watch Foundation has confirmed show child sexual abuse; blocked for everyone by law and never unblockable.',
    { illegal: true }),
  category('illegal', 'terrorism', 'Terrorist content (police list)',
    "Online terrorist material assessed by the police Counter Terrorism Internet Referral Unit (CTIRU); blocked for everyone and never unblockable.",
    { illegal: true }),

  // The UK Safer Internet Centre's "appropriate filtering" content categories (R2.3), and their close relatives.
  category('safeguarding', 'discrimination', 'Discrimination',
    'Content that promotes treating people unfairly because of their race, religion, disability, sex, sexual orientation, gender identity or age.'),
  category('safeguarding', 'hate-speech', 'Hate speech',
    'Sites that attack people or stir up hatred against them for who they are, including racist and antisemitic sites.'),
  category('safeguarding', 'drugs', 'Drugs and substance abuse',
    'Sites that sell illegal drugs or "legal highs", or promote or explain how to misuse drugs.'),
  category('safeguarding', 'extremism', 'Extremism',
    'Sites that promote extremist views or try to draw young people towards radicalisation (the Prevent duty), short of illegal terrorist material.'),
  category('safeguarding', 'gambling', 'Gambling',
    'Betting, casinos, poker, lotteries and other sites where people play for money.'),
  category('safeguarding', 'misinformation', 'Misinformation',
    'Sites known for publishing false or misleading stories and conspiracy theories as if they were news.'),
  category('safeguarding', 'pornography', 'Pornography',
    'Sexually explicit pictures, video or writing.'),
  category('safeguarding', 'piracy', 'Piracy and copyright theft',
    'Sites that share films, music, games, software or books without permission, including illegal streaming and "warez".'),
  category('safeguarding', 'self-harm', 'Self-harm, suicide and eating disorders',
    'Sites that promote or encourage self-harm, suicide or eating disorders, such as "pro-ana" sites.'),
  category('safeguarding', 'violence', 'Violence',
    'Sites that promote or glorify violence or threatening behaviour towards people or animals.'),
  category('safeguarding', 'weapons', 'Weapons',
    'Sites that sell weapons, or explain how to make bombs, poisons or other dangerous devices.'),
  category('safeguarding', 'gore', 'Gore and shock sites',
    'Deliberately shocking, disgusting or gory pictures and video meant to upset whoever sees them.'),
  category('safeguarding', 'mature', 'Adult themes (not pornography)',
    'Lingerie, nudity and other grown-up content that is not pornography, and sites with unmoderated adult sections.'),
  category('safeguarding', 'alcohol-tobacco', 'Alcohol, tobacco and vaping',
    'Sites that sell or promote alcohol, cigarettes, e-cigarettes and vapes.'),
  category('safeguarding', 'dating', 'Dating',
    'Dating and hook-up sites and apps for meeting partners.'),
  category('safeguarding', 'cults', 'Cults and sects',
    'Groups widely considered to be cults or sects, which may try to recruit young people.'),
  category('safeguarding', 'cheating', 'Cheating and essay mills',
    'Sites that sell essays or answers, or explain how to cheat in homework and exams.'),

  // Online security: "malware/hacking" in the UKSIC list, and the things that usually travel with it.
  category('security', 'malware', 'Malware',
    'Sites that spread viruses, ransomware, spyware, stalkerware or other harmful software.'),
  category('security', 'hacking', 'Hacking',
    'Sites that teach or sell ways to break into computers or accounts, crack passwords or knock websites offline.'),
  category('security', 'phishing', 'Phishing and scams',
    'Fake log-in pages, look-alike (misspelt) web addresses, fake shops and other sites that try to steal passwords or money.'),
  category('security', 'advertising', 'Advertising and tracking',
    'Advert servers, pop-ups and the networks that track people across websites.'),
  category('security', 'cryptomining', 'Cryptocurrency and mining',
    'Cryptocurrency mining pools and software, coin trading sites, and scripts that secretly use a computer to mine coins.'),
  category('security', 'url-shorteners', 'Link shorteners',
    'Services such as bit.ly that hide where a link really goes.'),
  category('security', 'dynamic-dns', 'Dynamic DNS',
    'Free, changeable web addresses that point at home or short-lived servers; often used by malware and home-made proxies.'),
  category('security', 'web-hosting', 'Web hosting and site builders',
    'Free website builders and hosting where anyone can publish a site in minutes; often misused for phishing.'),
  category('security', 'remote-access', 'Remote access tools',
    'Remote-desktop services such as AnyDesk and TeamViewer that let someone outside school control a computer.'),
  category('security', 'software-downloads', 'Software downloads',
    'Sites offering programs and apps to download, which can bring unwanted or harmful software with them.'),
  category('security', 'software-updates', 'Software and security updates',
    'Operating system, app and antivirus updates that devices need to stay safe; usually allowed.'),

  // R2.7: attempts to use these are flagged for alerting.
  category('circumvention', 'proxies', 'Proxies and anonymisers',
    "Web proxies and anonymising services that hide which sites someone visits, used to get round the school's filter.",
    { circumvention: true }),
  category('circumvention', 'vpns', 'VPNs',
    "Virtual private network services and apps that tunnel traffic past the school's filter.",
    { circumvention: true }),
  category('circumvention', 'dns-over-https', 'Encrypted DNS (DNS over HTTPS)',
    "Public encrypted DNS services that let a browser or app look up websites without the school's filter seeing.",
    { circumvention: true }),

  category('communication', 'social-networking', 'Social networking',
    'Social media such as Facebook, Instagram, TikTok, X (Twitter) and Snapchat, where people share posts and follow each other.'),
  category('communication', 'chat', 'Chat and instant messaging',
    'Chat rooms, messaging apps and random video chat where pupils can talk to other people, including strangers.'),
  category('communication', 'support-chat', 'Website chat boxes',
    'Customer-service chat boxes and chatbots built into other websites; low risk, and blocking them breaks "help" buttons.'),
  category('communication', 'webmail', 'Personal webmail',
    "Personal email websites such as Gmail, Outlook.com and Yahoo Mail (not the school's own email)."),
  category('communication', 'forums', 'Forums and message boards',
    'Discussion forums and message boards where anyone can post.'),
  category('communication', 'blogs', 'Blogs',
    'Blogs and blog-hosting sites where anyone can publish.'),
  category('communication', 'ai-chatbots', 'AI chatbots and tools',
    'Generative AI services such as ChatGPT, Gemini and image generators.'),

  category('media-and-leisure', 'online-games', 'Online games',
    'Games played in the browser or online, and gaming sites (not educational games).'),
  category('media-and-leisure', 'video-streaming', 'Video streaming',
    'Video and music streaming services such as YouTube, Netflix, Twitch and Spotify.'),
  category('media-and-leisure', 'radio-podcasts', 'Internet radio and podcasts',
    'Online radio stations and podcast sites.'),
  category('media-and-leisure', 'media-downloads', 'Music and video downloads',
    'Sites for downloading music or video, including tools that turn YouTube videos into MP3 files.'),
  category('media-and-leisure', 'file-sharing', 'File sharing and torrents',
    'File-hosting sites, peer-to-peer networks and torrent sites for sharing large files.'),
  category('media-and-leisure', 'shopping', 'Shopping and auctions',
    'Online shops, marketplaces and auction sites.'),
  category('media-and-leisure', 'entertainment', 'Entertainment and celebrity',
    'Celebrity gossip, film and TV, comics, cartoons, anime and manga.'),
  category('media-and-leisure', 'sport', 'Sport',
    'Sports news, clubs, fixtures and results.'),
  category('media-and-leisure', 'food-and-drink', 'Food and cooking',
    'Recipes, cooking and restaurant sites.'),
  category('media-and-leisure', 'alternative-beliefs', 'Astrology and the occult',
    'Astrology, horoscopes, fortune telling and the occult.'),
  category('media-and-leisure', 'jobs', 'Jobs and recruitment',
    'Job search and recruitment sites.'),

  category('learning-and-information', 'education', 'Education',
    'Schools, universities, libraries and learning resources.'),
  category('learning-and-information', 'educational-games', 'Educational games',
    'Games made for learning, which schools usually allow.'),
  category('learning-and-information', 'children', "Children's sites",
    'Sites made for and judged suitable for young children (under about 10).'),
  category('learning-and-information', 'sex-education', 'Sex and relationships education',
    'Health and relationships education (RSE) sites that filters often mistake for pornography.'),
  category('learning-and-information', 'search-engines', 'Search engines',
    'Web search sites such as Google, Bing and DuckDuckGo (SafeSearch is enforced separately).'),
  category('learning-and-information', 'translation', 'Translation',
    'Online translation tools; useful in lessons, but they can also be used to view blocked pages.'),
  category('learning-and-information', 'news', 'News',
    'Newspapers, magazines and news sites.'),
  category('learning-and-information', 'religion', 'Religion',
    'Churches, faiths and religious organisations.'),
  category('learning-and-information', 'health', 'Health',
    'Health services and medical information; often kept out of TLS inspection for privacy.'),
  category('learning-and-information', 'banking', 'Online banking',
    'Banks and building societies; often kept out of TLS inspection for privacy.'),
  category('learning-and-information', 'finance', 'Finance and investing',
    'Stock markets, trading and financial information.'),
];

const BY_ID = new Map(CATEGORIES.map((c) => [c.id, c]));

export function categoryById(id: string): TaxonomyCategory | undefined {
  return BY_ID.get(id);
}

export function isCategoryId(id: string): boolean {
  return BY_ID.has(id);
}

/**
 * The UK Safer Internet Centre's "appropriate filtering" headings and the Osprey categories that cover each, so a
 * governance report can show that every heading a school must filter is covered (R2.3).
 */
export const UKSIC_COVERAGE: ReadonlyArray<{ heading: string; categoryIds: readonly string[] }> = [
  { heading: 'Illegal: child sexual abuse (IWF)', categoryIds: ['child-abuse'] },
  { heading: 'Illegal: terrorist content (CTIRU)', categoryIds: ['terrorism'] },
  { heading: 'Discrimination', categoryIds: ['discrimination', 'hate-speech'] },
  { heading: 'Drugs / substance abuse', categoryIds: ['drugs'] },
  { heading: 'Extremism', categoryIds: ['extremism'] },
  { heading: 'Gambling', categoryIds: ['gambling'] },
  { heading: 'Malware / hacking', categoryIds: ['malware', 'hacking', 'phishing'] },
  { heading: 'Misinformation', categoryIds: ['misinformation'] },
  { heading: 'Pornography', categoryIds: ['pornography'] },
  { heading: 'Piracy and copyright theft', categoryIds: ['piracy'] },
  { heading: 'Self-harm', categoryIds: ['self-harm'] },
  { heading: 'Violence', categoryIds: ['violence', 'weapons', 'gore'] },
];
