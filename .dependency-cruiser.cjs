/**
 * The gateway's layers, bottom to top: a module may import its own layer and the ones below,
 * never one above, and nothing may form a cycle. `npm run lint:deps` (part of `npm test`) checks it.
 * Tests are outside the rule (they may drive any layer).
 */
const src = '^packages/gateway/src/';
const layers = [
  ['contracts', 'errors', 'ids\\.ts'],
  ['upstream', 'db', 'observability', 'notifications', 'limits', 'net'],
  ['audit'],
  ['accounts'],
  ['orgs'],
  ['billing', 'sso'],
  ['usage'],
  ['providers'],
  ['routing'],
  ['config', 'dialects'],
  ['storage'],
  ['metering', 'payments', 'webhooks'],
  ['jobs'],
  ['proxy', 'images', 'video', 'audio', 'gpu'],
  ['server'],
  ['gateway\\.ts', 'index\\.ts', 'cli'],
];
const pathOf = (names) => `${src}(${names.join('|')})($|/)`;

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    ...layers.slice(0, -1).map((names, index) => ({
      name: `layer-${index}-${names[0]}`,
      comment: `${names.join(', ')} may not import a higher layer`,
      severity: 'error',
      from: { path: pathOf(names) },
      to: { path: pathOf(layers.slice(index + 1).flat()) },
    })),
    {
      name: 'config-and-dialects-apart',
      comment: 'config and dialects share a layer and know nothing of each other',
      severity: 'error',
      from: { path: pathOf(['config']) },
      to: { path: pathOf(['dialects']) },
    },
  ],
  options: {
    parser: 'swc',
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
  },
};
