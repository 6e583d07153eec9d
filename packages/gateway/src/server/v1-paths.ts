/** Every /v1 route is also served under /api/v1, the OpenAI-style base URL clients are given. */
export const v1Paths = (path: string): string[] => [`/v1${path}`, `/api/v1${path}`];
