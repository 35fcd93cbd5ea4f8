import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diffGroups, groupSnapshot } from './heap-diff';
import { Inspector, inspectorUrl } from './inspector';

const MiB = 2 ** 20;

/** A Node process started as the soak starts the services: `--inspect=127.0.0.1:0`, stderr in its log. */
describe('the soak’s inspector session', () => {
  let dir: string;
  let child: ChildProcess;
  let inspector: Inspector;
  const evaluate = async <T>(expression: string): Promise<T> =>
    (
      await inspector.send<{ result: { value: T } }>('Runtime.evaluate', {
        expression,
        returnByValue: true,
      })
    ).result.value;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'soak-inspector-'));
    const log = join(dir, 'service.log');
    const fd = openSync(log, 'a');
    child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      env: { PATH: process.env['PATH'] ?? '', NODE_OPTIONS: '--inspect=127.0.0.1:0' },
      stdio: ['ignore', fd, fd],
    });
    const deadline = Date.now() + 10_000;
    let url = inspectorUrl(log);
    while (!url && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      url = inspectorUrl(log);
    }
    if (!url) throw new Error(`no inspector address in ${log}: ${readFileSync(log, 'utf8')}`);
    inspector = await Inspector.connect(url);
  });

  afterAll(() => {
    inspector?.close();
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the heap after a full collection: garbage the process has not collected yet is not counted', async () => {
    // About 20 MiB that survive young-generation collections while the array holds them, then
    // become garbage in the old generation, which only a full collection reclaims.
    const withGarbage = await evaluate<number>(
      'globalThis.junk = Array.from({ length: 400000 }, (_, i) => ({ i, s: "x" + i })); globalThis.junk = null; process.memoryUsage().heapUsed',
    );
    const live = (await inspector.memoryAfterGc()).heapUsed;
    expect(withGarbage - live).toBeGreaterThan(10 * MiB);
  });

  it('writes heap snapshots whose diff counts the objects kept in between, not the garbage', async () => {
    const a = join(dir, 'a.heapsnapshot');
    const b = join(dir, 'b.heapsnapshot');
    await inspector.heapSnapshot(a);
    await evaluate(
      'class SoakKept {}; class SoakDropped {}; globalThis.kept = Array.from({ length: 1234 }, () => new SoakKept()); Array.from({ length: 999 }, () => new SoakDropped()).length',
    );
    await inspector.heapSnapshot(b);
    const rows = diffGroups(
      groupSnapshot(JSON.parse(readFileSync(a, 'utf8'))),
      groupSnapshot(JSON.parse(readFileSync(b, 'utf8'))),
    );
    expect(rows.find((r) => r.key === 'object SoakKept')).toEqual(
      expect.objectContaining({ count: 1234, dCount: 1234 }),
    );
    expect(rows.find((r) => r.key === 'object SoakDropped')?.count ?? 0).toBe(0);
  });
});
