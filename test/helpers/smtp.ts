/** A real SMTP server (the smtp-server package) on a loopback port, keeping every message it receives for the test. */
import { SMTPServer } from 'smtp-server';
import { waitFor } from './wait.ts';

export interface ReceivedMail { from: string; to: string[]; subject: string; text: string; raw: string }

export interface TestSmtpServer {
  port: number;
  url: string;
  messages: ReceivedMail[];
  /** Resolves when at least `count` messages have arrived (or fails when they never come; see wait.ts). */
  waitForMessages(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  /** Makes the server refuse the next `n` messages with a temporary failure (451), as a busy or broken server does. */
  refuseNext(n: number): void;
  close(): Promise<void>;
}

function header(raw: string, name: string): string {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const m = new RegExp(`^${name}:[ \\t]*(.*(?:\\r?\\n[ \\t].*)*)`, 'im').exec(head);
  return m ? m[1]!.replace(/\r?\n[ \t]+/g, ' ').trim() : '';
}

/** The plain-text body, undoing quoted-printable (nodemailer's choice for long lines or non-ASCII text). */
function body(raw: string): string {
  const split = raw.search(/\r?\n\r?\n/);
  const text = split < 0 ? '' : raw.slice(split).replace(/^\r?\n\r?\n/, '');
  if (!/quoted-printable/i.test(header(raw, 'Content-Transfer-Encoding'))) return text;
  const bytes = Buffer.from(text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
  return bytes.toString('utf8');
}

export async function startSmtpServer(): Promise<TestSmtpServer> {
  const messages: ReceivedMail[] = [];
  let refuse = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (refuse > 0) {
          refuse--;
          const err = new Error('mailbox busy, try again later') as Error & { responseCode: number };
          err.responseCode = 451;
          callback(err);
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: header(raw, 'Subject'),
          text: body(raw),
          raw,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    async waitForMessages(count, timeoutMs) {
      await waitFor(`${count} e-mail(s)`, () => messages.length >= count, timeoutMs)
        .catch(() => { throw new Error(`expected ${count} e-mail(s), the SMTP server received ${messages.length}`); });
      return messages;
    },
    refuseNext(n) { refuse = n; },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
