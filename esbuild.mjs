// Bundles the extension into dist/extension.js. Types are checked separately (`npm run compile`).
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const analyze = process.argv.includes('--analyze');

/**
 * Stand-ins for dependencies of axios that Zipher never uses, to keep the bundle small:
 * `form-data` (with mime-types and mime-db, ~160 KB) serves multipart bodies, which Zipher never
 * sends, so its stand-in fails loudly if one is ever attempted; `debug` (~10 KB) only prints
 * follow-redirects' tracing when the DEBUG environment variable asks for it.
 */
const STAND_INS = {
  'form-data': "module.exports = class FormData { constructor() { throw new Error('Zipher does not send multipart/form-data bodies.'); } };",
  debug: 'module.exports = () => () => {};',
};
const standIns = {
  name: 'stand-ins',
  setup(build) {
    const filter = new RegExp(`^(${Object.keys(STAND_INS).join('|')})$`);
    build.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'stand-in' }));
    build.onLoad({ filter: /.*/, namespace: 'stand-in' }, (args) => ({ contents: STAND_INS[args.path], loader: 'js' }));
  },
};

/** Packages that cost activation time when evaluated; only a dynamic `import()` may reach them. */
const LAZY_ONLY = /(^|\/)node_modules\/(axios|zod|form-data|follow-redirects)\//;

/** Chains of static imports from the entry point to a LAZY_ONLY module, one per first offender. */
function eagerChains(metafile, entry) {
  const parent = new Map([[entry, undefined]]);
  const queue = [entry];
  const chains = [];
  while (queue.length) {
    const file = queue.shift();
    for (const imp of metafile.inputs[file]?.imports ?? []) {
      if (imp.external || imp.kind === 'dynamic-import' || parent.has(imp.path)) continue;
      parent.set(imp.path, file);
      if (LAZY_ONLY.test(imp.path)) {
        const chain = [imp.path];
        for (let f = file; f; f = parent.get(f)) chain.unshift(f);
        chains.push(chain.join(' -> '));
      } else {
        queue.push(imp.path);
      }
    }
  }
  return chains;
}

/** Bytes in the bundle per package (and `src`), largest first. */
function sizeReport(metafile) {
  const sizes = new Map();
  for (const output of Object.values(metafile.outputs)) {
    for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? (file.startsWith('src/') ? 'src' : file);
      sizes.set(pkg, (sizes.get(pkg) ?? 0) + bytesInOutput);
    }
  }
  return [...sizes].sort((a, b) => b[1] - a[1]).map(([pkg, bytes]) => `  ${pkg.padEnd(28)} ${(bytes / 1024).toFixed(1).padStart(7)} KB`);
}

/** Prints errors in the format VS Code's esbuild problem matcher understands. */
const problemMatcher = {
  name: 'problem-matcher',
  setup(build) {
    build.onStart(() => console.log('[watch] build started'));
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      console.log('[watch] build finished');
    });
  },
};

const ctx = await esbuild.context({
  entryPoints: ['src/extension.ts'],
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outfile: 'dist/extension.js',
  external: ['vscode'],
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'silent',
  metafile: true,
  plugins: [standIns, problemMatcher],
});

if (watch) {
  await ctx.watch();
} else {
  const result = await ctx.rebuild();
  await ctx.dispose();
  if (result.errors.length) process.exit(1);
  if (analyze) console.log(sizeReport(result.metafile).join('\n'));
  // Activation time is module evaluation: axios and zod must load only when a client is built.
  const chains = eagerChains(result.metafile, 'src/extension.ts');
  if (chains.length) {
    console.error(`${production ? '✘ [ERROR]' : '▲ [WARNING]'} loaded at activation (import it with \`await import()\` where a client is built):`);
    for (const chain of chains) console.error(`    ${chain}`);
    if (production) process.exit(1);
  }
}
