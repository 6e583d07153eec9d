import * as z from 'zod';
import { GatewayError } from '../errors/index.ts';
import { checkPublicUrl } from '../net/safe-fetch.ts';
import type { DeploymentSpec, EndpointInfo } from '../providers/gpu/types.ts';
import { backendFor, defaultDeploymentBackend } from './backends.ts';
import { parseComfyGraph } from './comfy-workflow.ts';
import {
  type DeploymentChanges,
  type DeploymentRecord,
  deleteDeployment,
  findDeployment,
  type GpuOwner,
  insertDeployment,
  listDeployments,
  updateDeployment,
} from './deployments-store.ts';
import type { GpuServices } from './gpu-services.ts';

export const deploymentSlugPattern = /^[a-z0-9][a-z0-9-]{1,62}$/;
/** Workers per deployment the API accepts (RunPod's own limit depends on the account's quota). */
export const maxWorkersLimit = 100;
const backendTimeoutMs = 30_000;

const envName = /^[A-Za-z_][A-Za-z0-9_]*$/;
const gpuTypesField = z
  .union([z.string(), z.array(z.string())])
  .transform((value) =>
    (Array.isArray(value) ? value : value.split(','))
      .map((type) => type.trim())
      .filter((type) => type !== ''),
  )
  .refine((types) => types.length > 0, 'name at least one GPU tier, e.g. "ADA_48_PRO,AMPERE_80"');

/**
 * A deployment's fields (defaults from RunPod's REST v2 endpoint body: workers min 0, max 3,
 * idle timeout 10 s; execution timeout 600 s, https://docs.runpod.io/api-reference). The
 * execution timeout is `maxSeconds` (RunPod's `executionTimeout` range: 5 s to 7 days).
 */
const fields = {
  name: z.string().trim().min(1).max(100),
  dockerImage: z
    .string()
    .trim()
    .min(1)
    .max(500)
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/,
      'expected a Docker image reference such as runpod/worker-comfyui:5.5.0-base',
    ),
  gpuTypes: gpuTypesField,
  minWorkers: z.number().int().min(0).max(maxWorkersLimit),
  maxWorkers: z.number().int().min(0).max(maxWorkersLimit),
  idleTimeoutSeconds: z.number().int().min(1).max(3600),
  maxSeconds: z
    .number()
    .int()
    .min(5)
    .max(7 * 24 * 3600),
  env: z
    .record(
      z.string().regex(envName, 'environment variable names are letters, digits and _'),
      z.string().max(32_768),
    )
    .refine((env) => Object.keys(env).length <= 100, 'at most 100 variables'),
  webhookUrl: z.string().max(2000).nullable(),
  workflow: z.unknown(),
};

const createSchema = z.object({
  slug: z
    .string()
    .regex(deploymentSlugPattern, 'lowercase letters, digits and -, 2 to 63 characters, not starting with -'),
  name: fields.name.optional(),
  dockerImage: fields.dockerImage,
  gpuTypes: fields.gpuTypes,
  minWorkers: fields.minWorkers.default(0),
  maxWorkers: fields.maxWorkers.default(3),
  idleTimeoutSeconds: fields.idleTimeoutSeconds.default(10),
  maxSeconds: fields.maxSeconds.default(600),
  env: fields.env.default({}),
  webhookUrl: fields.webhookUrl.optional(),
  workflow: fields.workflow.optional(),
  backend: z.string().min(1).optional(),
});

const updateSchema = z.object({
  slug: z.string().optional(),
  backend: z.string().optional(),
  name: fields.name.optional(),
  dockerImage: fields.dockerImage.optional(),
  gpuTypes: fields.gpuTypes.optional(),
  minWorkers: fields.minWorkers.optional(),
  maxWorkers: fields.maxWorkers.optional(),
  idleTimeoutSeconds: fields.idleTimeoutSeconds.optional(),
  maxSeconds: fields.maxSeconds.optional(),
  env: fields.env.optional(),
  webhookUrl: fields.webhookUrl.optional(),
  workflow: fields.workflow.optional(),
});

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const param = issue?.path.map(String).join('.') || null;
  throw new GatewayError('invalid_request', {
    param,
    message: `Invalid field ${param ?? 'body'}: ${issue?.message ?? 'invalid'}`,
  });
}

const notFound = (slug: string) =>
  new GatewayError('not_found', { param: 'slug', message: `No deployment ${slug}.` });

function checkTiers(services: GpuServices, types: readonly string[]): void {
  for (const type of types) {
    if (!services.config.gpu.tiers.has(type))
      throw new GatewayError('invalid_request', {
        param: 'gpuTypes',
        message: `Unknown GPU tier "${type}" (known: ${[...services.config.gpu.tiers.keys()].join(', ')}).`,
      });
  }
}

function checkWorkers(min: number, max: number): void {
  if (min > max)
    throw new GatewayError('invalid_request', {
      param: 'minWorkers',
      message: `minWorkers (${min}) must not exceed maxWorkers (${max}).`,
    });
}

async function checkWebhook(services: GpuServices, url: string | null | undefined): Promise<void> {
  if (url === null || url === undefined) return;
  await checkPublicUrl(url, { param: 'webhookUrl', allowPrivate: services.config.network.allowPrivate });
}

const workflowOf = (value: unknown) =>
  value === undefined || value === null ? null : parseComfyGraph(value, 'workflow');

const specOf = (deployment: DeploymentRecord): DeploymentSpec => ({
  // RunPod names need not be unique, but ours are per owner: the id keeps them apart at RunPod.
  name: `${deployment.slug}-${deployment.id.slice(-8)}`,
  dockerImage: deployment.dockerImage,
  gpuTypes: deployment.gpuTypes,
  minWorkers: deployment.minWorkers,
  maxWorkers: deployment.maxWorkers,
  idleTimeoutSeconds: deployment.idleTimeoutSeconds,
  executionTimeoutMs: deployment.maxSeconds * 1000,
  env: deployment.env,
});

const stateOf = (info: EndpointInfo): DeploymentChanges => ({
  endpointId: info.endpointId,
  state: info.state,
  workers: info.workers,
});

/** The owner's deployments, each with its state refreshed from its backend (best effort). */
export async function listOwnerDeployments(
  services: GpuServices,
  owner: GpuOwner,
): Promise<DeploymentRecord[]> {
  const deployments = await listDeployments(services.db, owner);
  return Promise.all(deployments.map((deployment) => refreshDeployment(services, deployment)));
}

/** The owner's deployment by slug (404 for anyone else's), state refreshed from its backend. */
export async function getOwnerDeployment(
  services: GpuServices,
  owner: GpuOwner,
  slug: string,
  options: { refresh?: boolean } = {},
): Promise<DeploymentRecord> {
  const deployment = await findDeployment(services.db, owner, slug);
  if (!deployment) throw notFound(slug);
  return options.refresh === false ? deployment : refreshDeployment(services, deployment);
}

/** Asks the backend how the endpoint is (`health`); keeps the stored state if it cannot answer. */
export async function refreshDeployment(
  services: GpuServices,
  deployment: DeploymentRecord,
): Promise<DeploymentRecord> {
  if (!deployment.endpointId) return deployment;
  try {
    const backend = backendFor(services.gpuBackends, deployment.backend);
    const info = await backend.health(deployment.endpointId, AbortSignal.timeout(5_000));
    const changed =
      info.state !== deployment.state ||
      info.workers.idle !== deployment.workers.idle ||
      info.workers.running !== deployment.workers.running ||
      info.workers.initializing !== deployment.workers.initializing;
    if (!changed) return deployment;
    return (await updateDeployment(services.db, deployment.id, stateOf(info))) ?? deployment;
  } catch {
    return deployment;
  }
}

/**
 * Creates a deployment and provisions it on its backend (RunPod: a serverless template and a
 * queue endpoint; the self-hosted pool: workers serving the image), answering the state the
 * backend reports. 409 when the owner already has the slug; a backend refusal removes it again.
 */
export async function createOwnerDeployment(
  services: GpuServices,
  owner: GpuOwner,
  body: unknown,
): Promise<DeploymentRecord> {
  const input = parse(createSchema, body);
  checkTiers(services, input.gpuTypes);
  checkWorkers(input.minWorkers, input.maxWorkers);
  await checkWebhook(services, input.webhookUrl);
  const workflow = workflowOf(input.workflow);
  const backendName = input.backend ?? defaultDeploymentBackend(services.config);
  if (!services.config.gpu.apis.has(backendName) || !services.gpuBackends.has(backendName))
    throw new GatewayError('invalid_request', {
      param: 'backend',
      message: `Unknown or unavailable GPU backend "${backendName}" (available: ${[...services.gpuBackends.keys()].join(', ') || 'none'}).`,
    });
  const created = await insertDeployment(services.db, owner, {
    slug: input.slug,
    name: input.name ?? input.slug,
    dockerImage: input.dockerImage,
    gpuTypes: input.gpuTypes,
    minWorkers: input.minWorkers,
    maxWorkers: input.maxWorkers,
    idleTimeoutSeconds: input.idleTimeoutSeconds,
    maxSeconds: input.maxSeconds,
    env: input.env,
    webhookUrl: input.webhookUrl ?? null,
    workflow,
    backend: backendName,
  });
  if (!created)
    throw new GatewayError('conflict', {
      param: 'slug',
      message: `You already have a deployment named ${input.slug}.`,
    });
  try {
    const info = await backendFor(services.gpuBackends, backendName).provision(
      specOf(created),
      AbortSignal.timeout(backendTimeoutMs),
    );
    return (await updateDeployment(services.db, created.id, stateOf(info))) ?? created;
  } catch (error) {
    await deleteDeployment(services.db, created.id);
    throw error;
  }
}

/**
 * Changes a deployment: name, webhook and workflow here; image, GPU tiers, workers, idle timeout,
 * maxSeconds and env at the backend too. The slug and the backend are fixed.
 */
export async function updateOwnerDeployment(
  services: GpuServices,
  owner: GpuOwner,
  slug: string,
  body: unknown,
): Promise<DeploymentRecord> {
  const input = parse(updateSchema, body);
  const deployment = await findDeployment(services.db, owner, slug);
  if (!deployment) throw notFound(slug);
  if (input.slug !== undefined && input.slug !== deployment.slug)
    throw new GatewayError('invalid_request', {
      param: 'slug',
      message: 'A deployment keeps its slug; create a new one.',
    });
  if (input.backend !== undefined && input.backend !== deployment.backend)
    throw new GatewayError('invalid_request', {
      param: 'backend',
      message: 'A deployment keeps its backend; create a new one elsewhere.',
    });
  if (input.gpuTypes) checkTiers(services, input.gpuTypes);
  checkWorkers(input.minWorkers ?? deployment.minWorkers, input.maxWorkers ?? deployment.maxWorkers);
  await checkWebhook(services, input.webhookUrl);
  const changes: DeploymentChanges = {
    name: input.name,
    dockerImage: input.dockerImage,
    gpuTypes: input.gpuTypes,
    minWorkers: input.minWorkers,
    maxWorkers: input.maxWorkers,
    idleTimeoutSeconds: input.idleTimeoutSeconds,
    maxSeconds: input.maxSeconds,
    env: input.env,
    webhookUrl: input.webhookUrl,
    ...(input.workflow === undefined ? {} : { workflow: workflowOf(input.workflow) }),
  };
  const next: DeploymentRecord = {
    ...deployment,
    ...Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)),
  };
  const atBackend = (
    [
      'dockerImage',
      'gpuTypes',
      'minWorkers',
      'maxWorkers',
      'idleTimeoutSeconds',
      'maxSeconds',
      'env',
    ] as const
  ).some((field) => input[field] !== undefined);
  if (atBackend && deployment.endpointId) {
    const info = await backendFor(services.gpuBackends, deployment.backend).update(
      deployment.endpointId,
      specOf(next),
      AbortSignal.timeout(backendTimeoutMs),
    );
    Object.assign(changes, stateOf(info));
  }
  return (await updateDeployment(services.db, deployment.id, changes)) ?? next;
}

/** Removes the deployment at its backend, then here; its jobs stay listed. */
export async function deleteOwnerDeployment(
  services: GpuServices,
  owner: GpuOwner,
  slug: string,
): Promise<DeploymentRecord> {
  const deployment = await findDeployment(services.db, owner, slug);
  if (!deployment) throw notFound(slug);
  if (deployment.endpointId)
    await backendFor(services.gpuBackends, deployment.backend).remove(
      deployment.endpointId,
      AbortSignal.timeout(backendTimeoutMs),
    );
  await deleteDeployment(services.db, deployment.id);
  return deployment;
}
