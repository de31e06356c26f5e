/**
 * The control socket (issue 11), against the real daemon: the C protocol's
 * transcript with SET fixed, every JSON command through the typed client,
 * peercred refusing another uid, hostile clients that never block or end
 * the daemon, and the socket file's safety (stale, planted, live).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startClsync, CLSYNC_BIN, type ClsyncRun } from '../helpers/clsync.js';
import { killHard, stopClean, waitConverged, waitForLog } from '../helpers/faults.js';
import { tempSrcDst } from '../helpers/tree.js';
import { connectLines } from '../helpers/control.js';
import { ClsyncControl, ControlError, type SyncReport } from '../../src/control/client.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function withDaemon(
  extra: (dirs: { base: string; src: string; sock: string }) => string[],
  body: (d: { run: ClsyncRun; src: string; dst: string; sock: string; base: string }) => Promise<void>,
): Promise<void> {
  const { base, src, dst } = tempSrcDst('clsync-ctl-');
  const sock = join(base.path, 'ctl.sock');
  const run = startClsync(['-Mrsyncdirect', `-W${src}`, `-D${dst}`, '-w0', '-t0', '-T0', `--socket=${sock}`, ...extra({ base: base.path, src, sock })]);
  try {
    await waitForLog(run, /initial sync done/, 'initial sync', 15_000);
    await body({ run, src, dst, sock, base: base.path });
  } finally {
    await killHard(run);
    base.remove();
  }
}

test('C protocol transcript: greeting, VERSION, INFO, SET then INFO shows it, a bad SET is 162 and changes nothing, QUIT', { timeout: 40_000 }, async () => {
  await withDaemon(() => [], async ({ run, src, dst, sock }) => {
    assert.equal(lstatSync(sock).mode & 0o777, 0o600, 'default socket mode 0600');
    const c = await connectLines(sock);
    assert.equal(await c.next(), '0 0 0 :Protocol version is 0.');
    c.send('1 200');
    assert.match(await c.next(), /^1 300 \d+ \d+ \S+ :clsync v\d+\.\d+\S+$/);
    c.send('2 201');
    const info = await c.next();
    assert.match(info, /^2 301 default\x03\/ nolabel\x03\/ [0-9a-f]+ 0 :config_block == "default"; label == "nolabel"; /);
    assert.match(info, /delay-sync == "0"/);
    c.send('3 211 delay-sync\x03/ 7\x03/');
    assert.equal(await c.next(), '3 311  :Set');
    c.send('4 201');
    assert.match(await c.next(), /^4 301 .*delay-sync == "7"/, 'INFO shows the value SET');
    c.send('5 211 delay-sync\x03/ soon\x03/');
    assert.equal(await c.next(), '5 162 211 5 :Rejected command: id == 211; num == 5. Invalid arguments: --delay-sync: "soon" is not a number (expected SECONDS).');
    c.send('6 211 watch-dir\x03/ /etc\x03/');
    assert.match(await c.next(), /^6 162 211 6 :Rejected command: .*--watch-dir cannot be changed while the daemon runs/);
    c.send('7 201');
    assert.match(await c.next(), /^7 301 .*delay-sync == "7"/, 'the bad SET changed nothing');
    c.send('8 777');
    assert.equal(await c.next(), '8 160 777 8 :Unknown command.');
    c.send('9 250');
    assert.equal(await c.next(), '9 350  :Bye.');
    await c.closed;
    // the daemon lives on and syncs
    writeFileSync(join(src, 'after'), 'x');
    await waitConverged(src, dst, run, 'sync after the C session');
    await stopClean(run);
    assert.equal(existsSync(sock), false, 'the socket file is removed at exit');
  });
});

test('C protocol: DUMP into a private directory, DIE ends the daemon with 0', { timeout: 30_000 }, async () => {
  await withDaemon(() => [], async ({ run, sock, base }) => {
    const dumps = join(base, 'dumps');
    mkdirSync(dumps, { mode: 0o700 });
    const c = await connectLines(sock);
    await c.next();
    c.send(`1 202 ${dumps}\x03/`);
    assert.match(await c.next(), new RegExp(`^1 302 ${dumps}/clsync-dump\\.\\d+\\.\\S+\x03/ :Ready$`));
    c.send(`2 202 /nonexistent-dir\x03/`);
    assert.match(await c.next(), /^2 162 202 2 :Rejected command/);
    c.send('3 240');
    assert.equal(await c.next(), '3 340  :Okay :(');
    assert.equal(await run.exited, 0);
  });
});

test('JSON protocol through the typed client: every command', { timeout: 60_000 }, async () => {
  await withDaemon(({ base }) => {
    writeFileSync(join(base, 'rules'), '-f.*\\.tmp$\n');
    return [`-R${join(base, 'rules')}`];
  }, async ({ run, src, dst, sock, base }) => {
    const ctl = await ClsyncControl.connect(sock);
    const st = await ctl.status();
    assert.equal(st.state, 'running');
    assert.equal(st.pid, run.child.pid);
    assert.equal(st.watchedDirs, 1);
    assert.deepEqual(st.queue, { normal: 0, bigfile: 0 });
    assert.equal(st.lastSync?.full, true);
    assert.equal(st.lastSync?.ok, true);
    assert.match(st.rsync.version ?? '', /^\d+\.\d+/);
    assert.equal(st.rsync.deletionStrategy !== null, true);
    assert.ok(st.memory.rssBytes > 0);

    const syncs: SyncReport[] = [];
    const stop = await ctl.subscribe((s) => syncs.push(s));
    writeFileSync(join(src, 'one'), '1');
    await waitConverged(src, dst, run, 'first change');
    await sleep(100);
    assert.ok(syncs.some((s) => s.ok && !s.full && s.paths >= 1), `a sync event: ${JSON.stringify(syncs)}`);

    await ctl.pause();
    assert.equal((await ctl.status()).paused, true);
    writeFileSync(join(src, 'two'), '2');
    await sleep(500);
    assert.equal(existsSync(join(dst, 'two')), false, 'paused: nothing synced');
    const q = await ctl.queue();
    assert.deepEqual(q.entries.map((e) => e.path), ['two']);
    assert.equal(q.total, 1);
    assert.equal((await ctl.status()).queue.normal, 1);
    await ctl.resume();
    await waitConverged(src, dst, run, 'after resume');

    // resync of a subtree and of everything: the destination gets back what was removed there
    mkdirSync(join(src, 'sub'));
    writeFileSync(join(src, 'sub', 'f'), 'f');
    await waitConverged(src, dst, run, 'sub');
    const before = syncs.length;
    spawnSync('rm', ['-rf', join(dst, 'sub')]);
    await ctl.resync('sub');
    await waitConverged(src, dst, run, 'resync of sub');
    spawnSync('rm', ['-f', join(dst, 'one')]);
    await ctl.resync();
    await waitConverged(src, dst, run, 'full resync');
    await sleep(100);
    assert.ok(syncs.slice(before).some((s) => s.full), 'the full resync is reported as full');
    await assert.rejects(ctl.resync('../etc'), /has a "\." or "\.\." part/);
    await assert.rejects(ctl.resync('/etc'), /not inside the watch dir/);
    await assert.rejects(ctl.resync('x.tmp'), /excluded from syncing by the rules/);

    // reload: the new rules take effect
    writeFileSync(join(base, 'rules'), '-f.*\\.log$\n');
    await ctl.reload();
    await waitForLog(run, /rules/i, 'reload logged');
    await ctl.resync('x.tmp'); // allowed now

    await ctl.set('delay-collect', '1');
    await assert.rejects(ctl.set('delay-collect', '-4'), (e: unknown) => e instanceof ControlError && /delay-collect/.test(e.message));
    await assert.rejects(ctl.set('mode', 'direct'), /cannot be changed while the daemon runs/);
    await assert.rejects(ctl.set('rules-file', '/etc/shadow'), /--rules-file cannot be changed while the daemon runs/);
    await assert.rejects(ctl.request('frobnicate'), /unknown command "frobnicate"/);
    await stop();
    ctl.close();
    await stopClean(run);
  });
});

/** Run a one-line client as another user; prints the first line it receives. */
function connectAs(uid: number, sock: string): string {
  const script = `const s=require('net').createConnection(process.argv[1]);let d='';s.on('data',c=>{d+=c;if(d.includes('\\n')){process.stdout.write(d.split('\\n')[0]);s.destroy();}});s.on('error',e=>process.stdout.write('ERR '+e.code));s.on('close',()=>{if(!d)process.stdout.write('CLOSED');});`;
  const r = spawnSync('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', process.execPath, '-e', script, sock], { encoding: 'utf8', timeout: 10_000 });
  return r.stdout + r.stderr;
}

test('--socket-auth peercred: another uid is refused, a listed one and root are served', { timeout: 40_000 }, async () => {
  for (const [auth, nobodyServed] of [['peercred', false], ['peercred:nobody', true], ['null', true]] as const) {
    await withDaemon(({ base }) => {
      chmodSync(base, 0o755);
      return ['--socket-mod=0666', `--socket-auth=${auth}`];
    }, async ({ run, sock }) => {
      const asNobody = connectAs(65534, sock);
      if (nobodyServed) assert.equal(asNobody, '0 0 0 :Protocol version is 0.', `${auth}: nobody served`);
      else {
        assert.match(asNobody, /^0 164 uid 65534 is not allowed\x03\/ :Permission denied/, `${auth}: nobody refused`);
        await waitForLog(run, /client pid \d+ uid 65534 refused by --socket-auth peercred/, 'refusal logged');
      }
      const c = await connectLines(sock);
      assert.equal(await c.next(), '0 0 0 :Protocol version is 0.', `${auth}: root served`);
      c.socket.destroy();
      await stopClean(run);
    });
  }
});

test('hostile clients: garbage, a 200 MB line, a reader that never reads, 100 clients at once: the daemon serves the others and syncs', { timeout: 90_000 }, async () => {
  await withDaemon(() => [], async ({ run, src, dst, sock }) => {
    // garbage: binary bytes and lines that are no messages
    const garbage = await connectLines(sock);
    await garbage.next();
    garbage.send(Buffer.from([0, 1, 2, 255, 254, 10, 0x7b, 0x7b, 10, 3, 47, 10]));
    assert.match(await garbage.next(), /^0 162 0 0 :Rejected command/);
    // a never-ending line: dropped at the cap, never buffered whole
    const long = await connectLines(sock);
    await long.next();
    const chunk = Buffer.alloc(1 << 20, 0x41);
    let written = 0;
    let open = true;
    void long.closed.then(() => (open = false));
    while (open && written < 200 * (1 << 20)) {
      if (!long.socket.write(chunk)) await new Promise((r) => long.socket.once('drain', r).once('close', r));
      written += chunk.length;
    }
    await long.closed;
    assert.ok(written < 200 * (1 << 20), `the daemon read ${written} bytes of one line before dropping it`);
    await waitForLog(run, /dropped: a line longer than 65536 bytes/, 'long line dropped');
    // a client that asks and asks but never reads: dropped when its replies pile up
    const deaf = await connectLines(sock);
    deaf.socket.pause();
    const ask = Buffer.from('{"cmd":"status"}\n'.repeat(2000));
    let deafOpen = true;
    void deaf.closed.then(() => (deafOpen = false));
    for (let i = 0; i < 400 && deafOpen; i++) {
      deaf.socket.write(ask);
      await sleep(5);
    }
    await waitForLog(run, /dropped: (more than \d+ bytes of replies unread|more than \d+ requests waiting)/, 'deaf client dropped', 30_000);
    // many at once, each answered
    const many = await Promise.all(Array.from({ length: 100 }, () => ClsyncControl.connect(sock)));
    const states = await Promise.all(many.map((m) => m.status()));
    assert.ok(states.every((s) => s.state === 'running'));
    for (const m of many) m.close();
    // and the daemon still syncs
    writeFileSync(join(src, 'still'), 'alive');
    await waitConverged(src, dst, run, 'sync after the hostile clients');
    garbage.socket.destroy();
    await stopClean(run);
  });
});

test('the socket file: a stale one is replaced, a planted symlink or file and a live daemon are refused', { timeout: 40_000 }, async () => {
  const { base, src, dst } = tempSrcDst('clsync-ctl-file-');
  try {
    const args = (sock: string): string[] => ['-Mrsyncdirect', `-W${src}`, `-D${dst}`, '-w0', '-t0', '-T0', `--socket=${sock}`];
    // planted symlink: refused, its target untouched
    const target = join(base.path, 'target');
    writeFileSync(target, 'keep');
    const planted = join(base.path, 'planted.sock');
    symlinkSync(target, planted);
    const r1 = spawnSync(process.execPath, [CLSYNC_BIN, ...args(planted)], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r1.status, 2, r1.stderr);
    assert.match(r1.stderr, /--socket .*planted\.sock: something that is not a socket is there \(a symlink\)/);
    assert.ok(lstatSync(planted).isSymbolicLink());
    // a stale socket (nobody listens): replaced
    const stale = join(base.path, 'stale.sock');
    const server = createServer();
    await new Promise<void>((r) => server.listen(stale, r));
    // what a killed daemon leaves: a socket file nobody listens on (Node unlinks its own name on close)
    const copy = join(base.path, 'stale-copy.sock');
    spawnSync('ln', [stale, copy]); // a second name of the socket inode keeps it after close
    await new Promise<void>((r) => server.close(() => r()));
    const run = startClsync(args(copy));
    try {
      await waitForLog(run, /control socket listening on/, 'stale socket replaced', 15_000);
      // a second daemon on the same socket: refused, the first keeps it
      const r2 = spawnSync(process.execPath, [CLSYNC_BIN, ...args(copy)], { encoding: 'utf8', timeout: 20_000 });
      assert.equal(r2.status, 2, r2.stderr);
      assert.match(r2.stderr, /another daemon is listening on it/);
      const c = await connectLines(copy);
      assert.equal(await c.next(), '0 0 0 :Protocol version is 0.');
      c.socket.destroy();
      await stopClean(run);
    } finally {
      await killHard(run);
    }
  } finally {
    base.remove();
  }
});
