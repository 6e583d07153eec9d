/** One row of `GET /v2/catalog/gpus`: `{id, name, pool, memory, price:{secure, community, serverless}}` ($/GPU/h). */
export interface CatalogGpu {
  id: string;
  name: string;
  pool: string | null;
  memory: number;
  price: { secure: number; community: number | null; serverless: number | null };
}

/** Serverless $/s per pool (RunPod's published flex prices), turned into $/h below. */
const SERVERLESS_PER_SECOND: Record<string, number> = {
  AMPERE_16: 0.00016,
  AMPERE_24: 0.00019,
  ADA_24: 0.00031,
  AMPERE_48: 0.00034,
  ADA_48_PRO: 0.00053,
  AMPERE_80: 0.00076,
  ADA_80_PRO: 0.00116,
  HOPPER_141: 0.00155,
  BLACKWELL_180: 0.0024,
};

function gpu(
  id: string,
  memory: number,
  pool: string | null,
  secure: number,
  community: number | null,
): CatalogGpu {
  const perSecond = pool ? SERVERLESS_PER_SECOND[pool] : undefined;
  return {
    id,
    name: id.replace(/^NVIDIA (GeForce )?/, ''),
    pool,
    memory,
    price: {
      secure,
      community,
      serverless: perSecond === undefined ? null : Math.round(perSecond * 3600 * 1000) / 1000,
    },
  };
}

/**
 * A snapshot of RunPod's GPU types, their serverless pools and prices (they change; the live
 * numbers come from `GET /v2/catalog/gpus`).
 * @see https://docs.runpod.io/references/gpu-types
 * @see https://docs.runpod.io/serverless/pricing
 */
export const GPU_CATALOG: readonly CatalogGpu[] = [
  gpu('NVIDIA RTX A4000', 16, 'AMPERE_16', 0.25, 0.17),
  gpu('NVIDIA RTX A4500', 20, 'AMPERE_16', 0.34, 0.19),
  gpu('NVIDIA RTX 4000 Ada Generation', 20, 'AMPERE_16', 0.26, 0.2),
  gpu('NVIDIA RTX 2000 Ada Generation', 16, 'AMPERE_16', 0.24, null),
  gpu('NVIDIA L4', 24, 'AMPERE_24', 0.43, null),
  gpu('NVIDIA RTX A5000', 24, 'AMPERE_24', 0.27, 0.16),
  gpu('NVIDIA GeForce RTX 3090', 24, 'AMPERE_24', 0.46, 0.22),
  gpu('NVIDIA GeForce RTX 4090', 24, 'ADA_24', 0.69, 0.34),
  gpu('NVIDIA RTX A6000', 48, 'AMPERE_48', 0.49, 0.33),
  gpu('NVIDIA A40', 48, 'AMPERE_48', 0.4, null),
  gpu('NVIDIA L40', 48, 'ADA_48_PRO', 0.99, null),
  gpu('NVIDIA L40S', 48, 'ADA_48_PRO', 0.86, 0.79),
  gpu('NVIDIA RTX 6000 Ada Generation', 48, 'ADA_48_PRO', 0.77, 0.74),
  gpu('NVIDIA A100 80GB PCIe', 80, 'AMPERE_80', 1.64, 1.19),
  gpu('NVIDIA A100-SXM4-80GB', 80, 'AMPERE_80', 1.74, 1.39),
  gpu('NVIDIA H100 PCIe', 80, 'ADA_80_PRO', 2.39, 1.99),
  gpu('NVIDIA H100 80GB HBM3', 80, 'ADA_80_PRO', 2.69, 2.69),
  gpu('NVIDIA H200', 141, 'HOPPER_141', 3.59, 3.59),
  gpu('NVIDIA B200', 180, 'BLACKWELL_180', 5.98, null),
  gpu('NVIDIA GeForce RTX 5090', 32, null, 0.94, 0.69),
];

export const GPU_POOLS: ReadonlySet<string> = new Set([
  ...Object.keys(SERVERLESS_PER_SECOND),
  'BLACKWELL_96',
]);
