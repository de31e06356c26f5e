/**
 * A `-M so|rsyncso` shared object as a LoadedModule: dlopen and the calls
 * of its clsyncapi_* functions go through the addon (native/shared_object.c),
 * which runs each call in a thread of its own, so a slow module never
 * blocks the event loop. Events are packed into the C tool's
 * api_eventinfo_t layout there (include/clsync-node.h).
 */
import { native, SoSymbol, type SharedObjectHandle } from '../native.js';
import { bytesOf } from '../bytes.js';
import type { ModuleContext, ObjectType, SyncEvent } from './module-api.js';
import type { LoadedModule } from './module-loader.js';

/** enum eventobjtype of clsync.h; the C tool calls every non-directory a file. */
const EOT: Readonly<Record<ObjectType, number>> = { unknown: 2, none: 1, file: 2, symlink: 2, other: 2, dir: 3 };
/** EVIF_RECURSIVELY */
const EVIF_RECURSIVELY = 1;

/** A NUL-terminated copy of bytes, for the C side. */
function cString(bytes: Buffer | string): Buffer {
  return Buffer.concat([typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes, Buffer.alloc(1)]);
}

/** dlopen the file at `path` (its bytes); throws with dlerror()'s reason. */
export function loadSharedObject(path: Buffer): LoadedModule {
  const handle: SharedObjectHandle = native.soOpen(cString(path));
  const has = native.soSymbols(handle);
  return {
    init:
      has & SoSymbol.INIT
        ? (c: ModuleContext) =>
            native.soInit(handle, cString(c.label), cString(c.watchDir), cString(c.destinationDir), cString(c.mode))
        : undefined,
    sync: has & SoSymbol.SYNC ? (events) => native.soSync(handle, ...packEvents(events)) : undefined,
    rsync:
      has & SoSymbol.RSYNC
        ? (inc, exc) => native.soRsync(handle, cString(bytesOf(inc)), exc === null ? null : cString(bytesOf(exc)))
        : undefined,
    deinit: has & SoSymbol.DEINIT ? () => native.soDeinit(handle) : undefined,
  };
}

/** The arrays soSync takes: masks, flags, types (old, new), paths. */
function packEvents(events: readonly SyncEvent[]): [Uint32Array, Uint32Array, Uint8Array, Buffer] {
  const n = events.length;
  const masks = new Uint32Array(n);
  const flags = new Uint32Array(n);
  const types = new Uint8Array(2 * n);
  const paths: Buffer[] = [];
  const nul = Buffer.alloc(1);
  events.forEach((e, i) => {
    masks[i] = e.mask >>> 0;
    flags[i] = e.recursive ? EVIF_RECURSIVELY : 0;
    types[2 * i] = EOT[e.typeBefore];
    types[2 * i + 1] = EOT[e.typeAfter];
    paths.push(e.pathBytes, nul);
  });
  return [masks, flags, types, Buffer.concat(paths)];
}
