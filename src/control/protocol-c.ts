/**
 * The C clsync's control protocol, version 0, text sub-protocol: one line
 * per message, `<number> <code> <arguments> :<text>`, string arguments
 * ended by `\003/`. Requests 200 VERSION, 201 INFO, 202 DUMP <dir>,
 * 211 SET <option> <value>, 240 DIE, 250 QUIT; replies are the request's
 * code + 100, or 160 unknown command, 161 bad command id, 162 invalid
 * arguments, 199 error. Its bugs are not kept: SET sets the option
 * (validated as on the command line; a bad value is a 162 and changes
 * nothing), no request can end the daemon but DIE, INFO shows values
 * instead of a pointer, and each client has its own buffers.
 */
import { VERSION } from '../options/index.js';
import type { ControlClient } from './connection.js';
import type { DaemonControl } from './control.js';
import { ControlRequestError } from './set-option.js';

/** Message codes (REFERENCE.md, "Control socket"). */
export const CCode = {
  NEGOTIATION: 0,
  NEGOTIATION_REPLY: 1,
  ACK: 150,
  UNKNOWN: 160,
  INVALID_ID: 161,
  EINVAL: 162,
  ERROR: 199,
  VERSION: 200,
  INFO: 201,
  DUMP: 202,
  SET: 211,
  DIE: 240,
  QUIT: 250,
  /** a reply's code is its request's + 100 */
  REPLY: 100,
} as const;

/** The end of a string argument. */
const STRING_END = '\x03/';

/** After this many lines in a row that are not messages, the client is not speaking the protocol: dropped. */
const MAX_BAD_LINES = 32;

/** A value shown inside a reply's text: no line breaks or control bytes can split the reply. */
function oneLine(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, '?');
}

/** The greeting sent on connect (the C tool's negotiation request). */
export function cGreeting(): string {
  return '0 0 0 :Protocol version is 0.';
}

/** Split a request's arguments: `a\003/ b\003/` (the C framing), or words when a client leaves out the ends. */
function stringArgs(args: string): string[] {
  if (args.includes(STRING_END)) {
    return args.split(STRING_END).map((a) => a.replace(/^ /, '')).slice(0, -1);
  }
  const t = args.trim();
  if (t === '') return [];
  const space = t.indexOf(' ');
  return space === -1 ? [t] : [t.slice(0, space), t.slice(space + 1)];
}

/** One client speaking the C protocol. */
export class CProtocol {
  private badLines = 0;

  constructor(
    private readonly client: ControlClient,
    private readonly control: DaemonControl,
  ) {}

  private reply(num: string, code: number, args: string, text: string): void {
    this.client.send(`${num} ${code} ${args} :${text}`, 'latin1');
  }

  private rejected(num: string, id: number, why: string): void {
    this.reply(num, CCode.EINVAL, `${id} ${num}`, `Rejected command: id == ${id}; num == ${num}. Invalid arguments: ${oneLine(why)}.`);
  }

  /** Handle one request line (bytes as a latin1 string). */
  async line(text: string): Promise<void> {
    const m = /^\s*(\d{1,19}) (\d{1,9})(?: (.*))?$/s.exec(text);
    if (m === null) {
      if (++this.badLines >= MAX_BAD_LINES) {
        this.client.end();
        return;
      }
      this.rejected('0', 0, 'expected "<number> <code> [arguments]"');
      return;
    }
    this.badLines = 0;
    const num = m[1]!;
    const id = Number(m[2]);
    const args = m[3] ?? '';
    try {
      await this.dispatch(num, id, args);
    } catch (err) {
      if (err instanceof ControlRequestError) this.rejected(num, id, err.message);
      else this.reply(num, CCode.ERROR, `${id}${STRING_END} ${STRING_END} 0 ${oneLine(String((err as Error).message))}${STRING_END}`, `request ${id}: Error #0: "${oneLine((err as Error).message)}".`);
    }
  }

  private async dispatch(num: string, id: number, args: string): Promise<void> {
    switch (id) {
      case CCode.NEGOTIATION: {
        const prot = args.trim().split(' ')[0] ?? '0';
        if (prot !== '0' && prot !== '') throw new ControlRequestError('Incorrect protocol id');
        this.reply(num, CCode.NEGOTIATION_REPLY, '0', 'Protocol version is 0.');
        return;
      }
      case CCode.VERSION: {
        const [major = '0', minor = '0', ...rest] = VERSION.split('.');
        const revision = `.${rest.join('.')}-node`;
        this.reply(num, CCode.VERSION + CCode.REPLY, `${major} ${minor} ${revision}`, `clsync v${major}.${minor}${revision}`);
        return;
      }
      case CCode.INFO: {
        const info = this.control.info();
        const facts = await this.control.status();
        // flags: 1 initial sync done, 2 paused, 4 standby file present, 8 a sync running
        const flags = (facts.initialSyncDone ? 1 : 0) | (facts.paused ? 2 : 0) | (facts.standby ? 4 : 0) | (facts.running > 0 ? 8 : 0);
        const options = Object.entries(info.options).map(([k, v]) => `; ${k} == "${oneLine(v)}"`).join('');
        this.reply(
          num,
          CCode.INFO + CCode.REPLY,
          `${oneLine(info.configBlock)}${STRING_END} ${oneLine(info.label)}${STRING_END} ${flags.toString(16)} 0`,
          `config_block == "${oneLine(info.configBlock)}"; label == "${oneLine(info.label)}"; flags == ${flags.toString(16)}; flags_set == 0; state == "${facts.state}"${options}.`,
        );
        return;
      }
      case CCode.DUMP: {
        const [dir] = stringArgs(args);
        if (!dir) throw new ControlRequestError('DUMP needs a directory');
        const file = this.control.dumpTo(dir);
        this.reply(num, CCode.DUMP + CCode.REPLY, `${oneLine(file)}${STRING_END}`, 'Ready');
        return;
      }
      case CCode.SET: {
        const [option, value] = stringArgs(args);
        if (!option || value === undefined) throw new ControlRequestError('SET needs an option and a value');
        await this.control.set(option, value);
        this.reply(num, CCode.SET + CCode.REPLY, '', 'Set');
        return;
      }
      case CCode.DIE:
        this.reply(num, CCode.DIE + CCode.REPLY, '', 'Okay :(');
        this.control.die();
        return;
      case CCode.QUIT:
        this.reply(num, CCode.QUIT + CCode.REPLY, '', 'Bye.');
        this.client.end();
        return;
      default:
        if (id >= 1000) this.reply(num, CCode.INVALID_ID, num, 'Invalid command id. Required: 0 <= cmd_id < 1000.');
        else this.reply(num, CCode.UNKNOWN, `${id} ${num}`, 'Unknown command.');
    }
  }
}
