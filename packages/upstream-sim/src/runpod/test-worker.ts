/** A worker driven by plain fetch, speaking RunPod's worker protocol from the env the sim hands out. */
export interface TestWorker {
  env: Record<string, string>;
  take(inProgress?: boolean): Promise<{ status: number; job: { id: string; input: unknown } | undefined }>;
  post(jobId: string, result: unknown, isStream?: boolean): Promise<Response>;
  ping(jobIds?: string[]): Promise<Response>;
  stop(): Promise<{ status: number; jobsToStop: string[] }>;
}

export function testWorker(env: Record<string, string>): TestWorker {
  const auth = { authorization: env['RUNPOD_AI_API_KEY'] ?? '' };
  const workerId = env['RUNPOD_POD_ID'] ?? '';
  return {
    env,
    async take(inProgress = false) {
      const url = `${(env['RUNPOD_WEBHOOK_GET_JOB'] ?? '').replace('$ID', workerId)}&job_in_progress=${inProgress ? 1 : 0}`;
      const response = await fetch(url, { headers: auth });
      if (response.status !== 200) return { status: response.status, job: undefined };
      return { status: 200, job: (await response.json()) as { id: string; input: unknown } };
    },
    post(jobId, result, isStream = false) {
      const url = `${(env['RUNPOD_WEBHOOK_POST_OUTPUT'] ?? '').replace('$ID', jobId)}&isStream=${isStream}`;
      return fetch(url, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded', 'x-request-id': jobId },
        body: JSON.stringify(result),
      });
    },
    ping(jobIds = []) {
      const url = new URL(env['RUNPOD_WEBHOOK_PING'] ?? '');
      url.searchParams.set('job_id', jobIds.join(','));
      url.searchParams.set('runpod_version', '1.7.0');
      return fetch(url, { headers: auth });
    },
    async stop() {
      const response = await fetch(env['RUNPOD_WEBHOOK_JOB_STOP'] ?? '', { headers: auth });
      if (response.status !== 200) return { status: response.status, jobsToStop: [] };
      return { status: 200, jobsToStop: ((await response.json()) as { jobsToStop: string[] }).jobsToStop };
    },
  };
}
