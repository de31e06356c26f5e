/**
 * Loading a `-M so|rsyncso` module (a JavaScript module by import(), a
 * shared object through the addon) behind one shape, LoadedModule, whose
 * functions all return promises: the handlers call both kinds alike.
 */
import { pathToFileURL } from 'node:url';
import { nativeString } from '../bytes.js';
import { OptionError } from '../errors.js';
import type { ModuleContext, SyncEvent, SyncRun } from './module-api.js';
import type { ModuleKind } from './module-file.js';
import { loadSharedObject } from './shared-object.js';

/** A loaded module's functions; those it does not export are undefined. A number is a shared object's result. */
export interface LoadedModule {
  init?(context: ModuleContext): Promise<number | void>;
  sync?(events: readonly SyncEvent[], run: SyncRun): Promise<number | void>;
  /** list paths are byte strings; excludeListPath null with --rsync-prefer-include */
  rsync?(includeListPath: string, excludeListPath: string | null, run: SyncRun): Promise<number | void>;
  deinit?(): Promise<number | void>;
}

type Call = (...args: unknown[]) => Promise<void>;

/**
 * Load the module at `file` (an absolute path as Node names it; `bytes`:
 * the same path's bytes). Throws an OptionError naming the file when it
 * cannot be loaded.
 */
export async function loadModule(file: string, bytes: Buffer, kind: ModuleKind): Promise<LoadedModule> {
  if (kind === 'shared-object') {
    try {
      return loadSharedObject(bytes);
    } catch (err) {
      throw new OptionError(`--sync-handler (-S) "${file}": cannot load the shared object: ${(err as Error).message}`);
    }
  }
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw new OptionError(`--sync-handler (-S) "${file}": cannot load the module: ${(err as Error).message}`);
  }
  return fromNamespace(namespace);
}

/**
 * The functions of an ES module's namespace: named exports, else the
 * default export's properties (a CommonJS module's `module.exports`, or
 * `export default { sync }`). Each is wrapped so that a value it returns is
 * ignored and a synchronous throw becomes a rejection.
 */
function fromNamespace(namespace: Record<string, unknown>): LoadedModule {
  const fallback = namespace['default'];
  const pick = (name: keyof LoadedModule): Call | undefined => {
    let owner: unknown = namespace;
    let fn = namespace[name];
    if (typeof fn !== 'function' && fallback !== null && typeof fallback === 'object') {
      owner = fallback;
      fn = (fallback as Record<string, unknown>)[name];
    }
    if (typeof fn !== 'function') return undefined;
    const f = fn as (...args: unknown[]) => unknown;
    return async (...args) => {
      await f.apply(owner, args);
    };
  };
  const rsync = pick('rsync');
  return {
    init: pick('init'),
    sync: pick('sync'),
    // JavaScript modules get the paths as Node names them
    rsync: rsync && ((inc: string, exc: string | null, run: SyncRun) => rsync(nativeString(inc), exc === null ? null : nativeString(exc), run)),
    deinit: pick('deinit'),
  };
}

