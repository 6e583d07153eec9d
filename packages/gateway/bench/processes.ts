import { type ChildProcess, spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';

/** A child Node process that printed its "listening" line. */
export interface RunningChild {
  readonly name: string;
  readonly pid: number;
  /** The URL captured from the ready line. */
  readonly url: string;
  /** The last lines the child wrote, for error reports. */
  output(): string;
}

const children = new Set<ChildProcess>();
const tailLines = 40;

/**
 * Spawns `node <script> ...args` (this process's own Node binary, so /proc/<pid> is the Node
 * process itself rather than a shell; `taskset` replaces itself with it) and resolves once a stdout line matches `ready`, whose first
 * capture group is the URL.
 */
export function startNodeChild(options: {
  name: string;
  script: string;
  args?: string[];
  env?: Record<string, string>;
  /** Options for Node itself, before the script (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
  /**
   * Run `script` itself (its `#!` line picks Node and Node's flags, as when a user runs it)
   * rather than `node script`; this process's Node comes first on its PATH.
   */
  executable?: boolean;
  /** Started under `taskset -c <cpus>` (which execs Node, so the pid stays Node's). */
  cpus?: string;
  ready: RegExp;
  timeoutMs?: number;
}): Promise<RunningChild> {
  const nodeCommand = options.executable
    ? [options.script, ...(options.args ?? [])]
    : [process.execPath, ...(options.nodeArgs ?? []), options.script, ...(options.args ?? [])];
  const path = options.executable
    ? { PATH: [dirname(process.execPath), process.env['PATH']].filter(Boolean).join(':') }
    : {};
  const [command, ...args] = options.cpus ? ['taskset', '-c', options.cpus, ...nodeCommand] : nodeCommand;
  const child = spawn(command ?? process.execPath, args, {
    env: { ...process.env, ...path, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const tail: string[] = [];
  const remember = (line: string) => {
    tail.push(line);
    if (tail.length > tailLines) tail.shift();
  };
  // Both streams are drained for the child's whole life so a chatty child never blocks on a full pipe.
  const stdout = createInterface({ input: child.stdout });
  createInterface({ input: child.stderr }).on('line', remember);
  const output = () => tail.join('\n');

  return new Promise<RunningChild>((resolve, reject) => {
    let settled = false;
    const fail = (reason: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${options.name} ${reason}\n${output()}`));
    };
    const timer = setTimeout(
      () => fail(`printed no ready line within ${options.timeoutMs ?? 30_000} ms`),
      options.timeoutMs ?? 30_000,
    );
    child.once('error', (error) => fail(`failed to start: ${error.message}`));
    child.once('exit', (code, signal) => fail(`exited early (code ${code}, signal ${signal})`));
    stdout.on('line', (line) => {
      remember(line);
      const url = settled ? undefined : options.ready.exec(line)?.[1];
      if (url === undefined || child.pid === undefined) return;
      settled = true;
      clearTimeout(timer);
      resolve({ name: options.name, pid: child.pid, url, output });
    });
  });
}

/** SIGTERM to every child still running, SIGKILL to those still up after `graceMs`. */
export async function stopChildren(graceMs = 3_000): Promise<void> {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

// Last resort when the bench dies without reaching its cleanup: never leave servers behind.
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
