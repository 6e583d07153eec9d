import { isRecord } from '../json.ts';
import { type InputSpec, nodeClasses } from './node-classes.ts';

export interface GraphNode {
  class_type: string;
  inputs: Record<string, unknown>;
  _meta?: unknown;
}
export type Graph = Record<string, GraphNode>;

interface NodeErrorItem {
  type: string;
  message: string;
  details: string;
  extra_info: Record<string, unknown>;
}

export type Validation =
  | { ok: true; graph: Graph; outputs: string[] }
  | { ok: false; body: { error: NodeErrorItem; node_errors: Record<string, unknown> } };

const fail = (type: string, message: string, details = ''): Validation => ({
  ok: false,
  body: { error: { type, message, details, extra_info: {} }, node_errors: {} },
});

/** A link is `["<node id>", <output index>]`. */
export function isLink(value: unknown): value is [string, number] {
  return (
    Array.isArray(value) &&
    value.length === 2 &&
    (typeof value[0] === 'string' || typeof value[0] === 'number') &&
    Number.isInteger(value[1])
  );
}

/**
 * ComfyUI's `validate_prompt` for the classes the fake knows: every node has a `class_type`
 * and `inputs`, the class exists, required inputs are present, links point at existing nodes
 * and outputs of the right type, numbers stay within min/max, combos hold a listed value, and
 * at least one output node (SaveImage / PreviewImage) exists.
 * @see https://github.com/comfyanonymous/ComfyUI/blob/master/execution.py
 */
export function validatePrompt(prompt: unknown, inputFiles: ReadonlySet<string>): Validation {
  if (prompt === undefined || prompt === null)
    return fail('no_prompt', 'No prompt provided', 'No prompt provided');
  if (!isRecord(prompt))
    return fail('invalid_prompt', 'Invalid prompt: the prompt must be an object of nodes');
  const graph: Graph = {};
  for (const [id, node] of Object.entries(prompt)) {
    if (!isRecord(node) || typeof node['class_type'] !== 'string') {
      return fail(
        'invalid_prompt',
        'Cannot execute because a node is missing the class_type property.',
        `Node ID '#${id}'`,
      );
    }
    if (!isRecord(node['inputs'])) {
      return fail(
        'invalid_prompt',
        `Cannot execute because node ${id} has no inputs object.`,
        `Node ID '#${id}'`,
      );
    }
    graph[id] = { class_type: node['class_type'], inputs: node['inputs'], _meta: node['_meta'] };
  }
  const outputs = Object.keys(graph).filter((id) => nodeClasses[graph[id]!.class_type]?.outputNode);
  const nodeErrors: Record<string, unknown> = {};
  for (const [id, node] of Object.entries(graph)) {
    const errors = validateNode(graph, node, inputFiles);
    if (errors.length > 0) {
      nodeErrors[id] = { errors, dependent_outputs: outputs, class_type: node.class_type };
    }
  }
  if (Object.keys(nodeErrors).length > 0) {
    return {
      ok: false,
      body: {
        error: {
          type: 'prompt_outputs_failed_validation',
          message: 'Prompt outputs failed validation',
          details: '',
          extra_info: {},
        },
        node_errors: nodeErrors,
      },
    };
  }
  if (outputs.length === 0) return fail('prompt_no_outputs', 'Prompt has no outputs');
  return { ok: true, graph, outputs };
}

function item(type: string, message: string, details: string, inputName?: string): NodeErrorItem {
  return { type, message, details, extra_info: inputName ? { input_name: inputName } : {} };
}

function validateNode(graph: Graph, node: GraphNode, inputFiles: ReadonlySet<string>): NodeErrorItem[] {
  const nodeClass = nodeClasses[node.class_type];
  if (!nodeClass) {
    return [
      item(
        'missing_node_type',
        `Node '${node.class_type}' not found. The custom node may not be installed.`,
        node.class_type,
      ),
    ];
  }
  const errors: NodeErrorItem[] = [];
  for (const [name, spec] of Object.entries(nodeClass.required)) {
    const value = node.inputs[name];
    if (value === undefined) {
      errors.push(item('required_input_missing', 'Required input is missing', name, name));
      continue;
    }
    const problem = checkInput(graph, name, spec, value, node.class_type, inputFiles);
    if (problem) errors.push(problem);
  }
  return errors;
}

function checkInput(
  graph: Graph,
  name: string,
  [type, options = {}]: InputSpec,
  value: unknown,
  classType: string,
  inputFiles: ReadonlySet<string>,
): NodeErrorItem | undefined {
  if (Array.isArray(value)) {
    if (!isLink(value)) {
      return item(
        'bad_linked_input',
        'Bad linked input, must be a length-2 list of [node_id, slot_index]',
        `${name}, ${JSON.stringify(value)}`,
        name,
      );
    }
    const source = graph[String(value[0])];
    if (!source) {
      return item(
        'exception_during_inner_validation',
        'Exception when validating inner node',
        `${name}: linked node '${value[0]}' does not exist`,
        name,
      );
    }
    const sourceClass = nodeClasses[source.class_type];
    if (!sourceClass) return undefined; // reported on the source node
    const received = sourceClass.output[value[1]];
    const expected = Array.isArray(type) ? 'COMBO' : type;
    if (received !== expected) {
      return item(
        'return_type_mismatch',
        'Return type mismatch between linked nodes',
        `${name}, received_type(${received ?? 'none'}) mismatch input_type(${expected})`,
        name,
      );
    }
    return undefined;
  }
  if (Array.isArray(type)) {
    const choices = classType === 'LoadImage' ? [...inputFiles] : type;
    if (classType === 'LoadImage' && typeof value === 'string' && !inputFiles.has(value)) {
      return item(
        'custom_validation_failed',
        'Custom validation failed for node',
        `${name} - Invalid image file: ${value}`,
        name,
      );
    }
    if (!choices.includes(String(value))) {
      return item(
        'value_not_in_list',
        'Value not in list',
        `${name}: '${String(value)}' not in ${JSON.stringify(choices)}`,
        name,
      );
    }
    return undefined;
  }
  if (type === 'INT' || type === 'FLOAT') {
    const number = typeof value === 'string' ? Number(value) : value;
    if (
      typeof number !== 'number' ||
      !Number.isFinite(number) ||
      (type === 'INT' && !Number.isInteger(number))
    ) {
      return item(
        'invalid_input_type',
        `Failed to convert an input value to a ${type} value`,
        `${name}, ${String(value)}`,
        name,
      );
    }
    const min = options['min'];
    const max = options['max'];
    if (typeof min === 'number' && number < min) {
      return item('value_smaller_than_min', `Value ${number} smaller than min of ${min}`, `${name}`, name);
    }
    if (typeof max === 'number' && number > max) {
      return item('value_bigger_than_max', `Value ${number} bigger than max of ${max}`, `${name}`, name);
    }
    return undefined;
  }
  if (type === 'STRING') {
    if (typeof value !== 'string') {
      return item(
        'invalid_input_type',
        'Failed to convert an input value to a STRING value',
        `${name}, ${String(value)}`,
        name,
      );
    }
    return undefined;
  }
  // A link-only type (MODEL, CLIP, LATENT…) given a literal value.
  return item(
    'bad_linked_input',
    `Input ${name} must be linked to a node output of type ${type}`,
    name,
    name,
  );
}
