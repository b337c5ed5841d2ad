// Entry of a parse worker when Relaydesk runs from its TypeScript sources (npm start, tests): worker
// threads do not inherit the parent's loader, so this registers tsx first. Compiled builds load
// parse-worker.js directly.
require('tsx/cjs/api').register();
module.exports = require('./parse-worker.ts');
