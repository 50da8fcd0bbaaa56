/**
 * An agreement's text as the server made it: Markdown rendered without raw HTML and with only http(s)/mailto links
 * (src/agreements/markdown.ts), so it can be shown as HTML here and in print.
 */
import './agreements.css';

export function AgreementText({ html, scroll = false, label }: { html: string; scroll?: boolean; label?: string }) {
  return (
    <div
      className={`osprey-agreement-text${scroll ? ' osprey-agreement-scroll' : ''}`}
      tabIndex={scroll ? 0 : undefined}
      role={scroll ? 'region' : undefined}
      aria-label={scroll ? label ?? 'Agreement text' : undefined}
      // sanitised on the server: no raw HTML, only safe links
      dangerouslySetInnerHTML={{ __html: html }}
    />
  );
}
