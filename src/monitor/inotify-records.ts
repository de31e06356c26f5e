/**
 * Reading raw inotify records (struct inotify_event) out of a buffer the
 * native reader handed over: the record layout, and the look-ahead the move
 * pairing needs (see inotify-moves.ts). The main loop of the backend reads
 * its records inline (hot path); these read ahead of it.
 */
import { IN } from '../types.js';

/** struct inotify_event without the name: wd, mask, cookie, len (4 bytes each). */
export const EVENT_HEADER = 16;

/** One raw inotify record, read ahead of the loop (see exchangeAfter). */
export interface RawRecord {
  wd: number;
  mask: number;
  cookie: number;
  name: string;
  /** offset of the next record */
  next: number;
}

/** The record at `off`, or null when the buffer ends before it does. */
export function readRecord(buf: Buffer, off: number, end: number): RawRecord | null {
  if (off + EVENT_HEADER > end) return null;
  const nameLen = buf.readUInt32LE(off + 12);
  const next = off + EVENT_HEADER + nameLen;
  if (next > end) return null;
  const nul = buf.indexOf(0, off + EVENT_HEADER);
  const name = buf.toString('latin1', off + EVENT_HEADER, nul === -1 || nul > next ? next : nul);
  return { wd: buf.readInt32LE(off), mask: buf.readUInt32LE(off + 4), cookie: buf.readUInt32LE(off + 8), name, next };
}

/** The next record from `off` on that is not a MOVE_SELF (a moved directory's own watch reports one after each move). */
export function nextNotSelf(buf: Buffer, off: number, end: number): RawRecord | null {
  for (let r = readRecord(buf, off, end); r; r = readRecord(buf, r.next, end)) {
    if (!(r.mask & IN.MOVE_SELF)) return r;
  }
  return null;
}
