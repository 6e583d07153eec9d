#!/usr/bin/env node
// Runs the TypeScript CLI directly (Node 24 type stripping; the project brings Node 24).
import '../src/cli/main.ts';
