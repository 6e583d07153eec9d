#!/usr/bin/env -S node --max-semi-space-size=4
// Runs the TypeScript CLI directly (Node 24 type stripping; the project brings Node 24).
// --max-semi-space-size=4 (MiB): left alone, V8 sizes the young generation for throughput and
// it stays resident while the gateway idles (~40 MB more idle RSS, ~150 MB more peak in
// `npm run bench`); 4 MiB semi-spaces cost no measurable CPU per request (2 MiB did, on large bodies).
// https://nodejs.org/api/cli.html#--max-semi-space-sizesize-in-mib
// `npm start`, `npm run hypereal` and an installed `hypereal` run this file, so this line;
// `node bin/hypereal.js` does not read it: then pass the flag (or NODE_OPTIONS) yourself.
import '../src/cli/main.ts';
