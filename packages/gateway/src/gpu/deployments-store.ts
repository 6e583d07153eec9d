import type { Queryable } from '../db/index.ts';
import { newId } from '../ids.ts';
import type { EndpointInfo } from '../providers/gpu/types.ts';

/**
 * Who a deployment or a GPU job belongs to: a person (personal key or session), or an org
 * (an org key, or a session acting for the org). `userId` is who made the call.
 */
export interface GpuOwner {
  userId: string;
  orgId: string | null;
}

/** The key rows are owned under: the org when there is one, else the person. */
export const ownerKey = (owner: GpuOwner): string => owner.orgId ?? owner.userId;

export type DeploymentState = EndpointInfo['state'] | 'failed';

/** A ComfyUI API-format graph: node id → `{class_type, inputs, _meta?}`. */
export type WorkflowGraph = Record<string, unknown>;

export interface DeploymentRecord {
  id: string;
  userId: string;
  orgId: string | null;
  slug: string;
  name: string;
  dockerImage: string;
  /** Pool ids in order of preference. */
  gpuTypes: string[];
  minWorkers: number;
  maxWorkers: number;
  idleTimeoutSeconds: number;
  maxSeconds: number;
  /** Never shown: the API lists the names only. */
  env: Record<string, string>;
  webhookUrl: string | null;
  workflow: WorkflowGraph | null;
  backend: string;
  endpointId: string | null;
  state: DeploymentState;
  workers: EndpointInfo['workers'];
  createdAt: number;
  updatedAt: number;
}

interface DeploymentRow {
  id: string;
  user_id: string;
  org_id: string | null;
  slug: string;
  name: string;
  docker_image: string;
  gpu_types: string;
  min_workers: number;
  max_workers: number;
  idle_timeout_seconds: number;
  max_seconds: number;
  env: string;
  webhook_url: string | null;
  workflow: string | null;
  backend: string;
  endpoint_id: string | null;
  state: string;
  workers: string | null;
  created_at: number;
  updated_at: number;
}

const states: readonly DeploymentState[] = ['provisioning', 'ready', 'scaled_to_zero', 'unhealthy', 'failed'];

function parseObject(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function toDeployment(row: DeploymentRow): DeploymentRecord {
  const env = parseObject(row.env) ?? {};
  const workers = parseObject(row.workers) ?? {};
  const count = (value: unknown) => (typeof value === 'number' && value >= 0 ? value : 0);
  return {
    id: row.id,
    userId: row.user_id,
    orgId: row.org_id,
    slug: row.slug,
    name: row.name,
    dockerImage: row.docker_image,
    gpuTypes: row.gpu_types.split(',').filter((type) => type !== ''),
    minWorkers: Number(row.min_workers),
    maxWorkers: Number(row.max_workers),
    idleTimeoutSeconds: Number(row.idle_timeout_seconds),
    maxSeconds: Number(row.max_seconds),
    env: Object.fromEntries(Object.entries(env).map(([key, value]) => [key, String(value)])),
    webhookUrl: row.webhook_url,
    workflow: parseObject(row.workflow),
    backend: row.backend,
    endpointId: row.endpoint_id,
    state: (states as readonly string[]).includes(row.state) ? (row.state as DeploymentState) : 'failed',
    workers: {
      idle: count(workers['idle']),
      running: count(workers['running']),
      initializing: count(workers['initializing']),
    },
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** The owner's deployments, oldest first. */
export async function listDeployments(db: Queryable, owner: GpuOwner): Promise<DeploymentRecord[]> {
  const rows = await db.all<DeploymentRow>(
    'SELECT * FROM deployments WHERE owner_key = ? ORDER BY created_at, id',
    [ownerKey(owner)],
  );
  return rows.map(toDeployment);
}

/** The owner's deployment by slug; another owner's is never found. */
export async function findDeployment(
  db: Queryable,
  owner: GpuOwner,
  slug: string,
): Promise<DeploymentRecord | undefined> {
  const row = await db.get<DeploymentRow>('SELECT * FROM deployments WHERE owner_key = ? AND slug = ?', [
    ownerKey(owner),
    slug,
  ]);
  return row && toDeployment(row);
}

export async function getDeploymentById(db: Queryable, id: string): Promise<DeploymentRecord | undefined> {
  const row = await db.get<DeploymentRow>('SELECT * FROM deployments WHERE id = ?', [id]);
  return row && toDeployment(row);
}

/** What creating a deployment stores: the record's own fields, before ids, state and times exist. */
export type NewDeployment = Pick<
  DeploymentRecord,
  | 'slug'
  | 'name'
  | 'dockerImage'
  | 'gpuTypes'
  | 'minWorkers'
  | 'maxWorkers'
  | 'idleTimeoutSeconds'
  | 'maxSeconds'
  | 'env'
  | 'webhookUrl'
  | 'workflow'
  | 'backend'
>;

/** Inserts a deployment in state `provisioning`; false when the owner already has the slug. */
export async function insertDeployment(
  db: Queryable,
  owner: GpuOwner,
  input: NewDeployment,
): Promise<DeploymentRecord | undefined> {
  const id = newId('dep');
  const now = Date.now();
  try {
    await db.run(
      `INSERT INTO deployments (id, owner_key, user_id, org_id, slug, name, docker_image, gpu_types, min_workers,
         max_workers, idle_timeout_seconds, max_seconds, env, webhook_url, workflow, backend, endpoint_id, state,
         workers, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 'provisioning', NULL, ?, ?)`,
      [
        id,
        ownerKey(owner),
        owner.userId,
        owner.orgId,
        input.slug,
        input.name,
        input.dockerImage,
        input.gpuTypes.join(','),
        input.minWorkers,
        input.maxWorkers,
        input.idleTimeoutSeconds,
        input.maxSeconds,
        JSON.stringify(input.env),
        input.webhookUrl,
        input.workflow === null ? null : JSON.stringify(input.workflow),
        input.backend,
        now,
        now,
      ],
    );
  } catch (error) {
    if (await findDeployment(db, owner, input.slug)) return undefined;
    throw error;
  }
  return getDeploymentById(db, id);
}

export type DeploymentChanges = {
  [K in keyof Pick<
    DeploymentRecord,
    | 'name'
    | 'dockerImage'
    | 'gpuTypes'
    | 'minWorkers'
    | 'maxWorkers'
    | 'idleTimeoutSeconds'
    | 'maxSeconds'
    | 'env'
    | 'webhookUrl'
    | 'workflow'
    | 'endpointId'
    | 'state'
    | 'workers'
  >]?: DeploymentRecord[K] | undefined;
};

const columns: Record<keyof DeploymentChanges, string> = {
  name: 'name',
  dockerImage: 'docker_image',
  gpuTypes: 'gpu_types',
  minWorkers: 'min_workers',
  maxWorkers: 'max_workers',
  idleTimeoutSeconds: 'idle_timeout_seconds',
  maxSeconds: 'max_seconds',
  env: 'env',
  webhookUrl: 'webhook_url',
  workflow: 'workflow',
  endpointId: 'endpoint_id',
  state: 'state',
  workers: 'workers',
};

export async function updateDeployment(
  db: Queryable,
  id: string,
  changes: DeploymentChanges,
): Promise<DeploymentRecord | undefined> {
  const sets: string[] = [];
  const params: (string | number | null)[] = [];
  for (const [field, value] of Object.entries(changes) as [keyof DeploymentChanges, unknown][]) {
    if (value === undefined) continue;
    sets.push(`${columns[field]} = ?`);
    if (field === 'gpuTypes') params.push((value as string[]).join(','));
    else if (field === 'env' || field === 'workers' || (field === 'workflow' && value !== null))
      params.push(JSON.stringify(value));
    else params.push(value as string | number | null);
  }
  sets.push('updated_at = ?');
  params.push(Date.now());
  await db.run(`UPDATE deployments SET ${sets.join(', ')} WHERE id = ?`, [...params, id]);
  return getDeploymentById(db, id);
}

export async function deleteDeployment(db: Queryable, id: string): Promise<boolean> {
  const { changes } = await db.run('DELETE FROM deployments WHERE id = ?', [id]);
  return changes > 0;
}
