import { openAiCompatibleVariant } from './openai-compatible.ts';

/**
 * Qwen on Alibaba Cloud Model Studio (DashScope) in OpenAI-compatible mode.
 * @see https://www.alibabacloud.com/help/en/model-studio/compatibility-of-openai-with-dashscope
 */
export const qwen = openAiCompatibleVariant('qwen');
