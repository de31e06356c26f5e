/**
 * The JSON-lines control protocol: a client whose first line starts with
 * `{` speaks it. One request object per line, one reply per request (in
 * order), plus `{"event":"sync",…}` lines after `subscribe`.
 *
 *   → {"id":1,"cmd":"status"}
 *   ← {"id":1,"ok":true,"result":{…StatusReport}}
 *   → {"id":2,"cmd":"set","option":"delay-sync","value":"x"}
 *   ← {"id":2,"ok":false,"error":"--delay-sync: \"x\" is not a number …"}
 *
 * Commands: status, pause, resume, resync [path], reload, queue [limit],
 * set option value, subscribe, unsubscribe. Types: control/client-types.ts.
 */
import type { ControlClient } from './connection.js';
import type { DaemonControl } from './control.js';
import { ControlRequestError } from './set-option.js';

/** One request as parsed (fields beyond `cmd` depend on it). */
interface JsonRequest {
  id?: unknown;
  cmd?: unknown;
  path?: unknown;
  limit?: unknown;
  option?: unknown;
  value?: unknown;
}

/** The commands, for the error that lists them. */
export const JSON_COMMANDS = ['status', 'pause', 'resume', 'resync', 'reload', 'queue', 'set', 'subscribe', 'unsubscribe'] as const;

/** One client speaking JSON lines. */
export class JsonProtocol {
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly client: ControlClient,
    private readonly control: DaemonControl,
  ) {
    client.onClose(() => this.unsubscribe?.());
  }

  /** Handle one request line. */
  async line(text: string): Promise<void> {
    if (text.trim() === '') return;
    let request: JsonRequest;
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      request = parsed as JsonRequest;
    } catch (err) {
      this.client.send(JSON.stringify({ id: null, ok: false, error: `not a JSON object: ${(err as Error).message}` }));
      return;
    }
    const id = request.id ?? null;
    try {
      const result = await this.run(request);
      this.client.send(JSON.stringify({ id, ok: true, result: result ?? null }));
    } catch (err) {
      const known = err instanceof ControlRequestError;
      this.client.send(JSON.stringify({ id, ok: false, error: known ? err.message : `internal error: ${(err as Error).message}` }));
    }
  }

  private async run(r: JsonRequest): Promise<unknown> {
    switch (r.cmd) {
      case 'status':
        return this.control.status();
      case 'pause':
        this.control.pause();
        return null;
      case 'resume':
        this.control.resume();
        return null;
      case 'resync': {
        if (r.path !== undefined && typeof r.path !== 'string') throw new ControlRequestError('resync: "path" must be a string');
        // paths travel as UTF-8 text; the daemon's paths are byte strings
        this.control.resync(r.path === undefined ? '' : Buffer.from(r.path, 'utf8').toString('latin1'));
        return null;
      }
      case 'reload':
        this.control.reload();
        return null;
      case 'queue': {
        if (r.limit !== undefined && (typeof r.limit !== 'number' || !Number.isInteger(r.limit) || r.limit < 0)) {
          throw new ControlRequestError('queue: "limit" must be a whole number');
        }
        return this.control.queue(r.limit as number | undefined);
      }
      case 'set': {
        if (typeof r.option !== 'string' || (typeof r.value !== 'string' && typeof r.value !== 'number')) {
          throw new ControlRequestError('set: give "option" (a long option name) and "value" (a string)');
        }
        await this.control.set(r.option, Buffer.from(String(r.value), 'utf8').toString('latin1'));
        return null;
      }
      case 'subscribe':
        this.unsubscribe ??= this.control.subscribe((sync) => this.client.send(JSON.stringify({ event: 'sync', sync })));
        return null;
      case 'unsubscribe':
        this.unsubscribe?.();
        this.unsubscribe = undefined;
        return null;
      default:
        throw new ControlRequestError(`unknown command ${JSON.stringify(r.cmd)}; use one of ${JSON_COMMANDS.join(', ')}`);
    }
  }
}
