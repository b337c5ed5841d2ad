// Builds the Outlook add-in (addin/) into dist/addin/, which the server serves under /addin/ (server/http/routes/addin.ts).
//
//   npx webpack --mode production                                   dev URLs (https://localhost:3000)
//   PUBLIC_ORIGIN=https://relaydesk.contoso.com npx webpack --mode production
//
// - The manifest's development URLs (https://localhost:3000) become PUBLIC_ORIGIN; the manifest itself is never
//   edited per environment. build-info.json records the origin so the server can rewrite it again for its own.
// - office.js and its mapping table are copied from @microsoft/office-js for offline use and tests (the CDN copy is
//   the production default, OFFICE_JS_URL); marked minimized so Terser / esbuild never touch them.
// - Scripts get content hashes (served with a long cache); pages do not (served no-cache).
// - Minified by esbuild (seconds, where Terser takes a minute over Fluent UI).
//
// Node API (tests, benchmarks): require('./webpack.config.js')({ publicOrigin, outDir }, { mode: 'production' }).
'use strict';

const path = require('node:path');

/** The origin the manifest is written for in the repository. */
const DEV_ORIGIN = 'https://localhost:3000';
const ADDIN = path.join(__dirname, 'addin');
const OFFICE_JS = path.dirname(require.resolve('@microsoft/office-js/package.json'));
/** Browsers that host Outlook add-ins today: WebView2 (Edge), Safari WebKit, current Chrome / Firefox. */
const TARGET = 'es2020';

/** An https origin without path, query or trailing slash; throws on anything else (a typo must not ship). */
function originOf(value, variable) {
  let url;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${variable} must be an https origin such as https://relaydesk.contoso.com, got '${value}'`);
  }
  if (url.protocol !== 'https:' || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username) {
    throw new Error(`${variable} must be an https origin without path, query or credentials (Office loads add-ins over HTTPS only), got '${value}'`);
  }
  return url.origin;
}

/** Replaces every development URL in the manifest with the target origin. */
function manifestFor(xml, origin) {
  return xml.split(DEV_ORIGIN).join(origin);
}

/** Writes build-info.json: what the server needs to know about this bundle. */
class BuildInfoPlugin {
  constructor(info) {
    this.info = info;
  }
  apply(compiler) {
    compiler.hooks.thisCompilation.tap('BuildInfoPlugin', (compilation) => {
      compilation.hooks.processAssets.tap({ name: 'BuildInfoPlugin', stage: compiler.webpack.Compilation.PROCESS_ASSETS_STAGE_REPORT }, () => {
        const entry = compilation.entrypoints.get('taskpane');
        const initialScripts = entry ? entry.getFiles().filter((f) => f.endsWith('.js')) : [];
        const json = JSON.stringify({ ...this.info, initialScripts }, null, 2);
        compilation.emitAsset('build-info.json', new compiler.webpack.sources.RawSource(`${json}\n`));
      });
    });
  }
}

module.exports = (env = {}, argv = {}) => {
  // Required here, not at the top: tests load this file for manifestFor / originOf in environments (jsdom)
  // where esbuild cannot start.
  const CopyWebpackPlugin = require('copy-webpack-plugin');
  const HtmlWebpackPlugin = require('html-webpack-plugin');
  const { EsbuildPlugin } = require('esbuild-loader');
  const mode = argv.mode === 'development' ? 'development' : 'production';
  const origin = originOf(env.publicOrigin || process.env.PUBLIC_ORIGIN || DEV_ORIGIN, 'PUBLIC_ORIGIN');
  const outDir = path.resolve(env.outDir || process.env.ADDIN_OUT_DIR || path.join(__dirname, 'dist', 'addin'));
  const page = (name, chunks, options = {}) =>
    new HtmlWebpackPlugin({ template: path.join(ADDIN, 'pages', `${name}.html`), filename: `${name}.html`, chunks, scriptLoading: 'defer', inject: 'head', minify: false, ...options });

  return {
    mode,
    context: __dirname,
    target: 'web',
    entry: {
      taskpane: path.join(ADDIN, 'index.tsx'),
      redirect: path.join(ADDIN, 'redirect.ts'),
      'dialog-start': path.join(ADDIN, 'dialog-start.ts'),
      'sign-in': path.join(ADDIN, 'sign-in-dialog.ts'),
      // The sandbox preview at `/` (server/http/routes/preview.ts): its page, and its Office host, which the
      // server serves as office.js to the add-in's pages under /preview/addin/ (a fixed name, found without build-info).
      preview: path.join(ADDIN, 'preview', 'index.tsx'),
      'preview-office': { import: path.join(ADDIN, 'office', 'preview', 'office-shim.ts'), filename: 'preview-office.js' },
    },
    output: {
      path: outDir,
      filename: '[name].[contenthash:10].js',
      chunkFilename: '[name].[contenthash:10].js',
      // Relative to the page, so one bundle works on any origin and under any path.
      publicPath: 'auto',
      clean: true,
    },
    resolve: { extensions: ['.tsx', '.ts', '.mjs', '.js'] },
    module: {
      rules: [
        {
          test: /\.tsx?$/,
          include: ADDIN,
          loader: 'esbuild-loader',
          options: { loader: 'tsx', target: TARGET, jsx: 'automatic', tsconfig: path.join(ADDIN, 'tsconfig.json') },
        },
      ],
    },
    devtool: mode === 'development' ? 'source-map' : false,
    optimization: {
      minimizer: [new EsbuildPlugin({ target: TARGET, legalComments: 'none' })],
    },
    performance: { hints: false },
    plugins: [
      page('taskpane', ['taskpane']),
      page('redirect', ['redirect']),
      page('dialog-start', ['dialog-start']),
      page('sign-in', ['sign-in']),
      page('commands', []),
      page('support', []),
      // Served at `/`, not under /addin/: its scripts are referenced from /addin/.
      page('preview', ['preview'], { publicPath: '/addin/' }),
      new CopyWebpackPlugin({
        patterns: [
          { from: path.join(ADDIN, 'assets', '*.png'), to: 'assets/[name][ext]' },
          { from: path.join(OFFICE_JS, 'dist', 'office.js'), to: 'office.js', info: { minimized: true } },
          { from: path.join(OFFICE_JS, 'dist', 'o15apptofilemappingtable.js'), to: 'o15apptofilemappingtable.js', info: { minimized: true } },
          { from: path.join(__dirname, 'manifest.xml'), to: 'manifest.xml', transform: (content) => manifestFor(content.toString('utf8'), origin), info: { minimized: true } },
        ],
      }),
      new BuildInfoPlugin({ origin, mode }),
    ],
    stats: 'errors-warnings',
  };
};

module.exports.DEV_ORIGIN = DEV_ORIGIN;
module.exports.manifestFor = manifestFor;
module.exports.originOf = originOf;
