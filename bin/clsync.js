#!/usr/bin/env -S node --max-semi-space-size=1
// FIRST, before anything is imported (static imports would run before this line, hence the dynamic
// ones below): a listener for SIGUSR1 stops Node from opening its inspector on 127.0.0.1:9229, where
// any local user could run code in this root daemon. Node 20 has no flag to turn that off. Signals 16
// and 29 would end the daemon silently meanwhile (src/control/signals.ts logs all three later).
for (const signal of ['SIGUSR1', 'SIGSTKFLT', 'SIGIO']) process.on(signal, () => {});
// A SIGUSR1 that came during Node's own start-up, before the listener, may have opened the inspector.
const { keepInspectorClosed } = await import('../dist/src/control/inspector.js');
keepInspectorClosed();
// Thin launcher: the daemon is compiled TypeScript under dist/.
// --max-semi-space-size=1: V8's young generation grows to 16 MiB per semi-space by default and
// stays there; 1 MiB keeps marking 1M files at 110 MB instead of 140, at no measured CPU cost
// (docs/performance.md). It only takes on node's command line, hence here.
const { main } = await import('../dist/src/cli.js');
main(process.argv.slice(2));
