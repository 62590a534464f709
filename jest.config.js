// The whole suite in one jest run (npm test): every package and app is a project.
const fs = require('node:fs');
const path = require('node:path');

const projects = ['packages', 'apps'].flatMap((group) =>
  fs
    .readdirSync(path.join(__dirname, group))
    .map((name) => path.join(__dirname, group, name))
    .filter((dir) => fs.existsSync(path.join(dir, 'jest.config.js'))),
);

// testTimeout is a global option: per-project values are ignored in projects mode.
module.exports = { projects, testTimeout: 60_000 };
