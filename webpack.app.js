// Builds one service into dist/apps/<name>/main.js: TypeScript through tsc (keeps decorator
// metadata, which Nest's DI needs), libs bundled in through their path aliases, node_modules left
// external (required at run time, ESM-only ones included: Node >= 20.19 can require() them).
const { join } = require('node:path');
const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');

module.exports = (name) => ({
  mode: 'production',
  output: { path: join(__dirname, 'dist/apps', name), clean: true },
  devtool: 'source-map',
  optimization: { minimize: false },
  plugins: [
    new NxAppWebpackPlugin({
      target: 'node',
      compiler: 'tsc',
      main: './src/main.ts',
      tsConfig: './tsconfig.app.json',
      outputHashing: 'none',
      generatePackageJson: false,
      sourceMap: true,
      externalDependencies: 'all',
      skipTypeChecking: true,
    }),
  ],
});
