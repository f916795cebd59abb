#!/usr/bin/env node
// The `tskube` command (package.json "bin"), so that `npx tskube up` works from a clone. tskube is
// TypeScript run as it is: this registers tsx's loader — the one in tskube's own node_modules,
// whatever the current directory — and runs src/cli/main.ts in this same process, so signals reach
// tskube directly and its exit code is the command's.
import 'tsx';

// `npx tskube` runs this under `npm exec`, through `sh -c`. Ctrl-C reaches tskube directly (the
// terminal signals the whole process group), but a SIGTERM sent to npm is forwarded to that shell
// only, which dies without passing it on. When the shell is gone (our parent changed), behave as
// if the signal had reached us, so that the cluster stops instead of running on orphaned.
if (process.env.npm_command === 'exec') {
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    process.kill(process.pid, 'SIGTERM');
  }, 250);
  watch.unref();
}

await import('../src/cli/main.ts');
