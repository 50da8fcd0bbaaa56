/**
 * Warnings acknowledged (R2.4 warn): after someone reads the warning page and chooses Continue, the same person (or,
 * for an unidentified device, the same address) may use that site for a while without seeing it again. A grant
 * covers the site's registrable domain (www.example.com and static.example.com alike), since one page pulls from
 * several hosts of the same site. The Continue form carries an HMAC token, so another site cannot acknowledge a
 * warning on a pupil's behalf by posting the form itself.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { getDomain } from 'tldts';

export interface WarnGrant { subject: string; site: string; until: number }

const TOKEN_LIFETIME_MS = 30 * 60_000;
const GRANT_LIMIT = 100_000;

/** Whose acknowledgement it is: the person, else the device's address. */
export const grantSubject = (personId: string | undefined, ip: string) => personId ?? `ip:${ip}`;

/** The site a grant covers. */
export const grantSite = (host: string) => getDomain(host) ?? host;

export class WarnGrants {
  private readonly grants = new Map<string, number>();

  constructor(private readonly secret: Buffer) {}

  has(subject: string, site: string, now: number): boolean {
    const until = this.grants.get(`${subject}\n${site}`);
    return until !== undefined && until > now;
  }

  add(grant: WarnGrant): void {
    if (this.grants.size >= GRANT_LIMIT) this.sweep(Date.now());
    this.grants.set(`${grant.subject}\n${grant.site}`, grant.until);
  }

  /** A token for the Continue form shown to `subject` for `site` now. */
  token(subject: string, site: string, now: number): string {
    const issued = Math.floor(now / 1000).toString(36);
    return `${issued}.${this.mac(subject, site, issued)}`;
  }

  verify(token: string, subject: string, site: string, now: number): boolean {
    const dot = token.indexOf('.');
    if (dot <= 0) return false;
    const issued = token.slice(0, dot);
    const at = parseInt(issued, 36) * 1000;
    if (!Number.isFinite(at) || at > now + 60_000 || now - at > TOKEN_LIFETIME_MS) return false;
    const expected = Buffer.from(this.mac(subject, site, issued));
    const given = Buffer.from(token.slice(dot + 1));
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private mac(subject: string, site: string, issued: string): string {
    return createHmac('sha256', this.secret).update(`${subject}\n${site}\n${issued}`).digest('base64url').slice(0, 32);
  }

  private sweep(now: number): void {
    for (const [key, until] of this.grants) if (until <= now) this.grants.delete(key);
    if (this.grants.size >= GRANT_LIMIT) this.grants.clear();
  }
}
