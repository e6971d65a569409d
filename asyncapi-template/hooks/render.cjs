// Renders the spec before the entry points print it; writes missing handler stubs after.
const { render, writeMissingHandlers } = require('../rendered.cjs');

module.exports = {
  'generate:before': render,
  'generate:after': writeMissingHandlers,
};
