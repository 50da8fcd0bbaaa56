/**
 * Splits bytes into decoded lines, chunk by chunk, in bounded memory: a line longer than `MAX_LINE_BYTES` is counted
 * and reported, never held. Each line is decoded on its own: valid UTF-8 is read as UTF-8, anything else as Latin-1
 * (older Windows tools still save lists that way), so one odd line never spoils the rest of the file.
 */
import { Buffer, isUtf8 } from 'node:buffer';
import { MAX_LINE_BYTES } from './types.js';

export interface LineHandler {
  line(text: string, lineNumber: number): void;
  /** The line was too long to keep; `bytes` is its real length. */
  tooLong(lineNumber: number, bytes: number): void;
  /** The file cannot be read as a text list at all; no further lines follow. */
  unreadable(reason: string): void;
}

const LF = 10;
const CR = 13;

/** Recognises files that are plainly not text lists, from their first bytes. */
function unreadableReason(head: Uint8Array): string | undefined {
  const [a, b, c, d] = head;
  if (a === 0x1f && b === 0x8b) return 'the file is compressed (gzip); unpack it first, e.g. tar -xzf blacklists.tar.gz';
  if (a === 0x50 && b === 0x4b && c === 3 && d === 4) return 'the file is a zip archive; unpack it first';
  if ((a === 0xff && b === 0xfe) || (a === 0xfe && b === 0xff)) {
    return "the file is saved as UTF-16 ('Unicode' in Notepad); save it as UTF-8 and import it again";
  }
  return undefined;
}

export class LineReader {
  private readonly handler: LineHandler;
  private readonly maxLineBytes: number;
  /** Pieces of the current line that arrived in earlier chunks. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes of the current line when it has grown past the limit (then `pending` is empty). */
  private overflowBytes = 0;
  private lineNumber = 0;
  private sawCarriageReturn = false;
  private started = false;
  private stopped = false;

  constructor(handler: LineHandler, maxLineBytes = MAX_LINE_BYTES) {
    this.handler = handler;
    this.maxLineBytes = maxLineBytes;
  }

  push(chunk: Uint8Array): void {
    if (this.stopped || chunk.length === 0) return;
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (!this.started) {
      this.started = true;
      const reason = unreadableReason(bytes.subarray(0, 4));
      if (reason !== undefined) {
        this.stopped = true;
        this.handler.unreadable(reason);
        return;
      }
    }
    let start = 0;
    // A CRLF split across two chunks: the LF belongs to the line already ended.
    if (this.sawCarriageReturn && bytes[0] === LF) start = 1;
    this.sawCarriageReturn = false;

    // Both positions are cached so that a file with no CR at all is not rescanned for one on every line.
    let nextLf = bytes.indexOf(LF, start);
    let nextCr = bytes.indexOf(CR, start);
    while (start < bytes.length) {
      if (nextLf !== -1 && nextLf < start) nextLf = bytes.indexOf(LF, start);
      if (nextCr !== -1 && nextCr < start) nextCr = bytes.indexOf(CR, start);
      const end = nextLf === -1 ? nextCr : nextCr === -1 ? nextLf : Math.min(nextLf, nextCr);
      if (end === -1) {
        this.keep(bytes.subarray(start));
        return;
      }
      this.finishLine(bytes.subarray(start, end));
      start = end + 1;
      if (bytes[end] === CR) {
        if (start === bytes.length) this.sawCarriageReturn = true;
        else if (bytes[start] === LF) start += 1;
      }
    }
  }

  /** Call once after the last chunk: the last line need not end with a newline. */
  end(): void {
    if (this.stopped) return;
    if (this.pendingBytes > 0 || this.overflowBytes > 0) this.finishLine(Buffer.alloc(0));
    this.stopped = true;
  }

  private keep(piece: Buffer): void {
    if (this.overflowBytes > 0) {
      this.overflowBytes += piece.length;
    } else if (this.pendingBytes + piece.length > this.maxLineBytes) {
      this.overflowBytes = this.pendingBytes + piece.length;
      this.pending = [];
      this.pendingBytes = 0;
    } else {
      // Copied: the caller may reuse its chunk once push returns.
      this.pending.push(Buffer.from(piece));
      this.pendingBytes += piece.length;
    }
  }

  private finishLine(lastPiece: Buffer): void {
    this.lineNumber += 1;
    const total = this.overflowBytes > 0 ? this.overflowBytes + lastPiece.length : this.pendingBytes + lastPiece.length;
    if (this.overflowBytes > 0 || total > this.maxLineBytes) {
      this.overflowBytes = 0;
      this.pending = [];
      this.pendingBytes = 0;
      this.handler.tooLong(this.lineNumber, total);
      return;
    }
    let line = this.pending.length === 0 ? lastPiece : Buffer.concat([...this.pending, lastPiece]);
    this.pending = [];
    this.pendingBytes = 0;
    if (this.lineNumber === 1 && line[0] === 0xef && line[1] === 0xbb && line[2] === 0xbf) line = line.subarray(3);
    this.handler.line(isUtf8(line) ? line.toString('utf8') : line.toString('latin1'), this.lineNumber);
  }
}
