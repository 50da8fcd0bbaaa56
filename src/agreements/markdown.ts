/**
 * Agreement texts are Markdown a school edits; people read (and sign) the HTML made from it. Raw HTML is never
 * passed through and links may only go to http(s) or mailto addresses, so a template containing `<script>` or a
 * `javascript:` link shows as harmless text in the web pages and in print. The SHA-256 of the exact HTML is what a
 * signature records (R6.3).
 */
import { createHash } from 'node:crypto';
import MarkdownIt from 'markdown-it';

const md = new MarkdownIt({ html: false, linkify: true, typographer: false });
md.disable(['image']);
md.validateLink = (url: string) => /^(https?:\/\/|mailto:)/i.test(url.trim());

const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  tokens[idx].attrSet('rel', 'noopener noreferrer');
  tokens[idx].attrSet('target', '_blank');
  return defaultLinkOpen(tokens, idx, options, env, self);
};

export function renderAgreement(markdown: string): string {
  return md.render(markdown);
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
