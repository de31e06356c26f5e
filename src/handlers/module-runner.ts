/**
 * What `-M so` and `-M rsyncso` share: the module file's checks (at
 * construction, so a refused file ends the daemon before it starts), the
 * loading and `init` (open), each call with the retry policy of a handler
 * program (callWithRetries: -r, -w, -x, -k), and `deinit` at exit.
 */
import { resolve } from 'node:path';
import { bytesOf, nativeString } from '../bytes.js';
import { HandlerError, OptionError } from '../errors.js';
import { callOnce, callSucceeded, callWithRetries, describeCall, type CallPolicy } from '../exec/call.js';
import { log } from '../log.js';
import type { SyncContext } from './handler.js';
import type { ModuleContext, SyncRun } from './module-api.js';
import { checkModuleFile, type ModuleKind } from './module-file.js';
import { loadModule, type LoadedModule } from './module-loader.js';
import type { HandlerOptions } from './options.js';

/** The function each mode requires. */
const REQUIRED = { so: 'sync', rsyncso: 'rsync' } as const;

/** One `-S` module: checked, loaded once, called with retries. */
export class ModuleRunner {
  /** the module's absolute path as Node names it (messages, import()) */
  readonly file: string;
  private readonly bytes: Buffer;
  private readonly kind: ModuleKind;
  private readonly mode: 'so' | 'rsyncso';
  private readonly policy: CallPolicy;
  private opened: Promise<LoadedModule> | undefined;
  private module: LoadedModule | undefined;

  /** Check the `-S` file now (OptionError: nothing has started yet). */
  constructor(private readonly options: HandlerOptions, aborted: () => boolean) {
    if (options.mode !== 'so' && options.mode !== 'rsyncso') throw new Error(`ModuleRunner: mode ${options.mode}`);
    this.mode = options.mode;
    if (!options.program) {
      throw new OptionError(`--mode=${this.mode} needs --sync-handler (-S): the module (.js, .mjs, .cjs or .so) to call`);
    }
    const absolute = options.program.startsWith('/') ? options.program : resolve(nativeString(options.program));
    this.bytes = options.program.startsWith('/') ? bytesOf(absolute) : Buffer.from(absolute, 'utf8');
    this.file = this.bytes.toString('utf8');
    this.kind = checkModuleFile(this.file);
    const { exec } = options;
    this.policy = { retries: exec.retries, delayMs: exec.delaySyncMs, okCodes: new Set(exec.okCodes), timeoutMs: exec.timeoutMs, aborted };
  }

  /** Load the module and call its `init` (once); a failure is an OptionError or a HandlerError naming the file. */
  open(): Promise<LoadedModule> {
    this.opened ??= this.load();
    return this.opened;
  }

  private async load(): Promise<LoadedModule> {
    const module = await loadModule(this.file, this.bytes, this.kind);
    const required = REQUIRED[this.mode];
    if (!module[required]) {
      const name = this.kind === 'shared-object' ? `clsyncapi_${required}` : required;
      throw new OptionError(`--sync-handler (-S) "${this.file}": the module exports no ${name} function, which --mode=${this.mode} calls`);
    }
    if (module.init) {
      const context: ModuleContext = {
        apiVersion: 1,
        label: nativeString(this.options.label),
        watchDir: nativeString(this.options.watchDir),
        destinationDir: nativeString(this.options.destinationDir),
        mode: this.mode,
      };
      const init = module.init;
      const result = await callOnce(() => init(context), `${this.tag} init`, this.policy.timeoutMs);
      if (!callSucceeded(result, this.policy.okCodes)) throw new HandlerError(`sync module "${this.file}": init ${describeCall(result)}`);
    }
    this.module = module;
    return module;
  }

  /**
   * Call the mode's function (`call` gets the loaded module and what the
   * run is); rejects with a HandlerError naming the module when the tries
   * ran out.
   */
  async call(call: (module: LoadedModule, run: SyncRun) => Promise<number | void>, context: SyncContext): Promise<void> {
    const module = await this.open();
    const run: SyncRun = { iteration: context.iteration, status: context.status };
    const result = await callWithRetries(() => call(module, run), this.tag, this.policy);
    if (!result.ok) {
      throw new HandlerError(
        `sync module "${this.file}" failed after ${result.tries} tr${result.tries === 1 ? 'y' : 'ies'}: ${describeCall(result)}`,
      );
    }
  }

  /** Call `deinit` (bounded by -k) when the module was loaded; a failure is logged. */
  async close(): Promise<void> {
    const deinit = this.module?.deinit;
    this.module = undefined;
    if (!deinit) return;
    const result = await callOnce(deinit, `${this.tag} deinit`, this.policy.timeoutMs);
    if (!callSucceeded(result, this.policy.okCodes)) log.warn(`sync module "${this.file}": deinit ${describeCall(result)}`);
  }

  private get tag(): string {
    return `${this.mode} module ${this.file}`;
  }
}
