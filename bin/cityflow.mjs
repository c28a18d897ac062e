#!/usr/bin/env node
// The `cityflow` command. The sources are TypeScript run through tsx, so a clone works without a build step.
import { spawn } from 'node:child_process';
import { fstatSync, readlinkSync } from 'node:fs';
import { register } from 'tsx/esm/api';

// No command reads standard input, but the embedded ClickHouse (chDB) does: an INSERT run while stdin
// is a pipe or file with data in it takes that data as rows to insert (or fails). So when stdin may
// carry data, the command runs again in a child whose stdin is /dev/null. CITYFLOW_STDIN_DETACHED
// marks that child, so this happens once at most.
function stdinMayCarryData() {
  if (process.env.CITYFLOW_STDIN_DETACHED) return false;
  try {
    const st = fstatSync(0);
    if (!(st.isFIFO() || st.isFile() || st.isSocket())) return false; // a terminal
    return readlinkSync('/proc/self/fd/0') !== '/dev/null';
  } catch {
    return false; // stdin closed, or no /proc: leave it be
  }
}

if (stdinMayCarryData()) {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, CITYFLOW_STDIN_DETACHED: '1' },
  });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => (signal ? process.kill(process.pid, signal) : process.exit(code ?? 1)));
} else {
  register();
  await import('../workers/cli/main.ts');
}
