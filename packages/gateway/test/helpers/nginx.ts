import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { tempDir } from './databases.ts';

/** CI installs Debian's nginx (.ci/nginx.sh); locally the load-balancer tests are skipped out loud. */
export const nginxBinary =
  process.env['HYPEREAL_TEST_NGINX'] ?? (existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : undefined);
if (!nginxBinary && process.env['CI']) {
  throw new Error('CI must set HYPEREAL_TEST_NGINX (see .ci/nginx.sh): the load-balancer tests need nginx.');
}
if (!nginxBinary) console.warn('nginx not found: the load-balancer tests are skipped (run .ci/nginx.sh).');

export interface RunningNginx {
  /** `http://127.0.0.1:port`, in front of every replica. */
  url: string;
  errorLog(): string;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/**
 * A real nginx, in the foreground, load-balancing round robin over `replicas`
 * (`http://127.0.0.1:port` each) on a generated config under a temp prefix. Streams are not
 * buffered; a replica that refuses connections is skipped for new requests, and a request
 * already sent is never retried on another (nginx does not resend a POST:
 * https://nginx.org/en/docs/http/ngx_http_upstream_module.html#proxy_next_upstream).
 */
export async function startNginx(replicas: readonly string[]): Promise<RunningNginx> {
  const prefix = tempDir('hypereal-nginx-');
  for (const dir of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(prefix, dir));
  const port = await freePort();
  const servers = replicas
    .map((replica) => `    server ${new URL(replica).host} max_fails=1 fail_timeout=2s;`)
    .join('\n');
  const config = `
worker_processes 1;
daemon off;
master_process on;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 2048; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  upstream gateways {
${servers}
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 32m;
    location / {
      proxy_pass http://gateways;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 300s;
      proxy_next_upstream error timeout;
    }
  }
}
`;
  const configPath = join(prefix, 'nginx.conf');
  writeFileSync(configPath, config);
  const child: ChildProcess = spawn(
    nginxBinary!,
    ['-p', prefix, '-c', configPath, '-e', join(prefix, 'error.log')],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const errorLog = () => {
    const file = join(prefix, 'error.log');
    return `${stderr}${existsSync(file) ? readFileSync(file, 'utf8') : ''}`;
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (up) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not start:\n${errorLog()}`);
    }
    await new Promise((done) => setTimeout(done, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    errorLog,
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((done) => child.once('exit', () => done()));
      child.kill('SIGQUIT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
