// The whole suite in one jest run (npm test): every package and app is a project.
const fs = require('node:fs');
const path = require('node:path');

const projects = ['packages', 'apps'].flatMap((group) =>
  fs
    .readdirSync(path.join(__dirname, group))
    .map((name) => path.join(__dirname, group, name))
    .filter((dir) => fs.existsSync(path.join(dir, 'jest.config.js'))),
);

module.exports = { projects };
