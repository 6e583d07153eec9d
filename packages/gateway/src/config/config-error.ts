/** A configuration problem, worded for the operator: `<source>: <field>: <what is wrong>`. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
