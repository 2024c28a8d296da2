// Preloaded into each node by `npm run bench -- --cpu-profile DIR` (through
// NODE_OPTIONS=--import, as Node 20 refuses --cpu-prof there): profiles the
// node's main thread from start to exit and writes
// DIR/<NODE_ID>-<pid>.cpuprofile, which Chrome DevTools (Performance tab) or
// VS Code open. Plain JavaScript: ringchat's built nodes run without the loader.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.BENCH_CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  process.once('exit', () => {
    // An in-thread session answers synchronously, so this completes before exit.
    session.post('Profiler.stop', (error, result) => {
      if (error || !result) return;
      const file = join(dir, `${process.env.NODE_ID ?? 'node'}-${process.pid}.cpuprofile`);
      writeFileSync(file, JSON.stringify(result.profile));
    });
  });
}
