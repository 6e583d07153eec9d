import { describe, expect, it } from 'vitest';
import type { Json } from '../../contracts/index.ts';
import { GatewayError } from '../../errors/index.ts';
import { toolNames } from './tool-names.ts';
import { applyTools } from './tools-to-chat.ts';

// Declarations and modes from the function-calling docs
// (https://ai.google.dev/gemini-api/docs/function-calling): schedule_meeting with an
// OpenAPI-subset schema, get_current_temperature with parametersJsonSchema; expected
// shapes those of the Chat Completions `tools` / `tool_choice` reference.
const request = (fields: Json): Json => ({ contents: [], ...fields });

const scheduleMeeting = {
  name: 'schedule_meeting',
  description: 'Schedules a meeting with specified attendees at a given time and date.',
  parameters: {
    type: 'OBJECT',
    properties: {
      attendees: {
        type: 'ARRAY',
        items: { type: 'STRING' },
        description: 'List of people attending the meeting.',
      },
      date: { type: 'STRING', description: 'Date of the meeting (e.g., "2024-07-29")' },
      time: { type: 'STRING', description: 'Time of the meeting (e.g., "15:00")' },
      topic: { type: 'STRING', description: 'The subject or topic of the meeting.' },
    },
    required: ['attendees', 'date', 'time', 'topic'],
  },
};
const scheduleMeetingChat = {
  type: 'function',
  function: {
    name: 'schedule_meeting',
    parameters: {
      type: 'object',
      properties: {
        attendees: {
          type: 'array',
          items: { type: 'string' },
          description: 'List of people attending the meeting.',
        },
        date: { type: 'string', description: 'Date of the meeting (e.g., "2024-07-29")' },
        time: { type: 'string', description: 'Time of the meeting (e.g., "15:00")' },
        topic: { type: 'string', description: 'The subject or topic of the meeting.' },
      },
      required: ['attendees', 'date', 'time', 'topic'],
    },
    description: 'Schedules a meeting with specified attendees at a given time and date.',
  },
};
const temperature = {
  name: 'get_current_temperature',
  description: 'Gets the current temperature for a given location.',
  parametersJsonSchema: {
    type: 'object',
    properties: { location: { type: 'string', description: 'The city name, e.g. San Francisco' } },
    required: ['location'],
  },
};
const temperatureChat = {
  type: 'function',
  function: {
    name: 'get_current_temperature',
    parameters: temperature.parametersJsonSchema,
    description: 'Gets the current temperature for a given location.',
  },
};
const bothTools = { tools: [{ functionDeclarations: [scheduleMeeting, temperature] }] };
const rows: Array<{ name: string; body: Json; expected: Json }> = [
  {
    name: 'OpenAPI-subset parameters → JSON Schema; parametersJsonSchema as is',
    body: request(bothTools),
    expected: { tools: [scheduleMeetingChat, temperatureChat] },
  },
  {
    name: 'nullable, enum format and propertyOrdering converted; no parameters → empty object',
    body: request({
      tools: [
        {
          functionDeclarations: [
            {
              name: 'set_light',
              parameters: {
                type: 'OBJECT',
                properties: {
                  color: { type: 'STRING', format: 'enum', enum: ['daylight', 'warm'], nullable: true },
                  brightness: { type: 'INTEGER', minimum: 0, maximum: 100 },
                },
                propertyOrdering: ['brightness', 'color'],
              },
            },
            { name: 'turn_off' },
          ],
        },
      ],
    }),
    expected: {
      tools: [
        {
          type: 'function',
          function: {
            name: 'set_light',
            parameters: {
              type: 'object',
              properties: {
                color: { type: ['string', 'null'], enum: ['daylight', 'warm', null] },
                brightness: { type: 'integer', minimum: 0, maximum: 100 },
              },
            },
          },
        },
        { type: 'function', function: { name: 'turn_off', parameters: { type: 'object', properties: {} } } },
      ],
    },
  },
  {
    name: 'built-in tools (googleSearch, codeExecution, urlContext) are not offered',
    body: request({
      tools: [
        { googleSearch: {} },
        { codeExecution: {} },
        { urlContext: {} },
        { functionDeclarations: [temperature] },
      ],
    }),
    expected: { tools: [temperatureChat] },
  },
  {
    name: 'mode ANY + one allowed name → named tool_choice, tools narrowed',
    body: request({
      ...bothTools,
      toolConfig: {
        functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_current_temperature'] },
      },
    }),
    expected: {
      tools: [temperatureChat],
      tool_choice: { type: 'function', function: { name: 'get_current_temperature' } },
    },
  },
  {
    name: 'mode ANY → required',
    body: request({ ...bothTools, toolConfig: { functionCallingConfig: { mode: 'ANY' } } }),
    expected: { tools: [scheduleMeetingChat, temperatureChat], tool_choice: 'required' },
  },
  {
    name: 'mode NONE → none (tools still offered: the history may use them)',
    body: request({ ...bothTools, toolConfig: { functionCallingConfig: { mode: 'NONE' } } }),
    expected: { tools: [scheduleMeetingChat, temperatureChat], tool_choice: 'none' },
  },
  {
    name: 'mode AUTO → auto',
    body: request({
      tools: [{ functionDeclarations: [temperature] }],
      toolConfig: { functionCallingConfig: { mode: 'AUTO' } },
    }),
    expected: { tools: [temperatureChat], tool_choice: 'auto' },
  },
  {
    name: 'mode VALIDATED → auto',
    body: request({
      tools: [{ functionDeclarations: [temperature] }],
      toolConfig: { functionCallingConfig: { mode: 'VALIDATED' } },
    }),
    expected: { tools: [temperatureChat], tool_choice: 'auto' },
  },
];

/** applyTools on an empty chat body: what it adds. */
function translate(body: Json): Json {
  const chat: Json = {};
  applyTools(chat, body, toolNames(body));
  return chat;
}

describe('applyTools', () => {
  it.each(rows)('$name', ({ body, expected }) => {
    expect(translate(body)).toEqual(expected);
  });

  it('offers nothing and sets no choice without declarations', () => {
    expect(translate(request({ toolConfig: { functionCallingConfig: { mode: 'AUTO' } } }))).toEqual({});
  });

  const refusals: Array<{ name: string; body: Json; param: string }> = [
    {
      name: 'mode ANY without a function declaration',
      body: request({
        tools: [{ googleSearch: {} }],
        toolConfig: { functionCallingConfig: { mode: 'ANY' } },
      }),
      param: 'toolConfig.functionCallingConfig.mode',
    },
    {
      name: 'an unknown function calling mode',
      body: request({ ...bothTools, toolConfig: { functionCallingConfig: { mode: 'SOMETIMES' } } }),
      param: 'toolConfig.functionCallingConfig.mode',
    },
    {
      name: 'an allowed name that is not declared',
      body: request({
        ...bothTools,
        toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['nope'] } },
      }),
      param: 'toolConfig.functionCallingConfig.allowedFunctionNames',
    },
    {
      name: 'a declaration without a name',
      body: request({ tools: [{ functionDeclarations: [{ description: 'x' }] }] }),
      param: 'tools.0.functionDeclarations.0.name',
    },
  ];

  it.each(refusals)('refuses $name with a 400 naming $param', ({ body, param }) => {
    let caught: unknown;
    try {
      translate(body);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GatewayError);
    expect(caught).toMatchObject({ status: 400, code: 'invalid_request', param });
  });
});
