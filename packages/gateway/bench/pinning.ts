import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

/**
 * Where the bench's processes run. With two or more CPUs and util-linux `taskset`, the proxies under
 * test (gateway, bare proxy) share the first CPU and the load generator (this process) and the
 * upstream simulator the second, so the proxy's figures are not mixed with the load's; otherwise
 * nothing is pinned.
 * @see https://man7.org/linux/man-pages/man1/taskset.1.html
 */
export interface Pinning {
  /** taskset CPU list for the gateway and the bare proxy, undefined when unpinned. */
  proxies: string | undefined;
  /** taskset CPU list for the simulator and the load generator. */
  load: string | undefined;
  /** One line for the output. */
  description: string;
}

export function planPinning(options: { enabled: boolean }): Pinning {
  if (!options.enabled) return unpinned('--no-pin: nothing pinned');
  const cpus = availableParallelism();
  if (cpus < 2) return unpinned(`1 CPU: nothing pinned`);
  if (!hasTaskset()) return unpinned(`${cpus} CPUs but no taskset (util-linux): nothing pinned`);
  const load = cpus === 2 ? '1' : `1-${cpus - 1}`;
  try {
    // -a: every thread of this process (libuv's pool, GC helpers), not only the main one.
    execFileSync('taskset', ['-a', '-p', '-c', load, String(process.pid)], { stdio: 'ignore' });
  } catch {
    return unpinned('taskset refused to pin this process: nothing pinned');
  }
  return {
    proxies: '0',
    load,
    description: `pinned with taskset: gateway and bare proxy on CPU 0; load generator and upstream-sim on CPU ${load}`,
  };
}

function unpinned(description: string): Pinning {
  return { proxies: undefined, load: undefined, description };
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
