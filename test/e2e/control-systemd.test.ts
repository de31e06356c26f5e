/**
 * systemd notifications (issue 11) against a real NOTIFY_SOCKET datagram
 * socket made by the test (a python3 receiver: Node has no unix datagram
 * sockets): READY=1 only after the initial sync, STATUS= lines,
 * WATCHDOG=1 at half WATCHDOG_USEC, STOPPING=1 at TERM; an abstract
 * socket too; `<N>` priorities when stderr is the journal's stream.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fstatSync, openSync, readFileSync, existsSync, writeFileSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { startClsync } from '../helpers/clsync.js';
import { killHard, rsyncWrapper, waitForLog } from '../helpers/faults.js';
import { tempSrcDst, waitFor } from '../helpers/tree.js';

/** A datagram receiver: each datagram becomes one JSON line (its text and ms time) on stdout. */
function receiver(address: string): { child: ChildProcess; datagrams(): Array<{ at: number; text: string }>; ready: Promise<void> } {
  const script = `
import socket, sys, json, time
addr = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind('\\0' + addr[1:] if addr.startswith('@') else addr)
print('bound', flush=True)
while True:
    data = s.recv(65536)
    print(json.dumps({'at': time.time() * 1000, 'text': data.decode()}), flush=True)
`;
  const child = spawn('python3', ['-c', script, address], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('receiver did not bind')), 5000);
    child.stdout!.on('data', () => {
      if (out.startsWith('bound')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return {
    child,
    ready,
    datagrams: () => out.split('\n').slice(1).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { at: number; text: string }),
  };
}

test('NOTIFY_SOCKET: STATUS while starting, READY=1 only after the initial sync, WATCHDOG=1, STOPPING=1 at TERM', { timeout: 40_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-notify-');
  for (let i = 0; i < 20; i++) writeFileSync(join(src, `f${i}`), `${i}`);
  const sock = join(base.path, 'notify.sock');
  const rx = receiver(sock);
  await rx.ready;
  // the initial sync takes 1.5 s: READY=1 must wait for it
  const slow = rsyncWrapper(join(base.path, 'slow-rsync'), `[ "$CLSYNC_STATUS" = initsync ] && sleep 1.5`);
  const run = startClsync(['-Mrsyncdirect', `-W${src}`, `-D${dst}`, '-w0', '-t0', '-T0', `-S${slow}`], {
    NOTIFY_SOCKET: sock,
    WATCHDOG_USEC: '200000',
  });
  try {
    await waitForLog(run, /marked \d+ directories/, 'marking', 15_000);
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(rx.datagrams().some((d) => d.text.includes('READY=1')), false, `READY=1 during the initial sync: ${JSON.stringify(rx.datagrams())}`);
    assert.equal(existsSync(join(dst, 'f19')), false, 'the initial sync is still under way');
    assert.ok(rx.datagrams().some((d) => d.text === 'STATUS=initsync\n'), 'STATUS=initsync');
    await waitForLog(run, /initial sync done/, 'initial sync', 15_000);
    assert.ok(await waitFor(() => rx.datagrams().some((d) => d.text.includes('READY=1')), 5000), 'READY=1 after the initial sync');
    const ready = rx.datagrams().find((d) => d.text.includes('READY=1'))!;
    assert.match(ready.text, /^READY=1\nSTATUS=running: initial sync done\nMAINPID=\d+\n$/);
    assert.ok(existsSync(join(dst, 'f19')), 'READY=1 came after the tree reached the destination');
    const watchdogs = (): number => rx.datagrams().filter((d) => d.text === 'WATCHDOG=1\n').length;
    const before = watchdogs();
    await new Promise((r) => setTimeout(r, 600));
    assert.ok(watchdogs() >= before + 3, `WATCHDOG=1 every 100 ms: ${watchdogs() - before} in 600 ms`);
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0);
    assert.ok(await waitFor(() => rx.datagrams().some((d) => d.text.startsWith('STOPPING=1\n')), 3000), 'STOPPING=1');
  } finally {
    await killHard(run);
    rx.child.kill();
    base.remove();
  }
});

test('NOTIFY_SOCKET with an abstract address (@name)', { timeout: 30_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-notify-');
  const name = `@clsync-test-${process.pid}-${Date.now()}`;
  const rx = receiver(name);
  await rx.ready;
  const run = startClsync(['-Mrsyncdirect', `-W${src}`, `-D${dst}`, '-w0', '-t0', '-T0'], { NOTIFY_SOCKET: name });
  try {
    assert.ok(await waitFor(() => rx.datagrams().some((d) => d.text.includes('READY=1')), 15_000), 'READY=1 on the abstract socket');
  } finally {
    await killHard(run);
    rx.child.kill();
    base.remove();
  }
});

test('JOURNAL_STREAM naming stderr: log lines carry <N> priorities and no time stamp', { timeout: 30_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-journal-');
  const logPath = join(base.path, 'stderr');
  const fd = openSync(logPath, 'w');
  const st = fstatSync(fd);
  const child = spawn(process.execPath, [join(import.meta.dirname, '../../../bin/clsync.js'), '-Mrsyncdirect', `-W${src}`, `-D${dst}`, '-w0', '-t0', '-T0', '--only-initialsync'], {
    stdio: ['ignore', 'ignore', fd],
    env: { ...process.env, JOURNAL_STREAM: `${st.dev}:${st.ino}` },
  });
  closeSync(fd);
  try {
    const code = await new Promise<number | null>((r) => child.on('close', r));
    assert.equal(code, 0);
    const text = readFileSync(logPath, 'utf8');
    assert.match(text, /^<5>Info: marked \d+ directories/m);
    assert.doesNotMatch(text, /^\d{4}-\d\d-\d\dT/m);
  } finally {
    child.kill('SIGKILL');
    base.remove();
  }
});
