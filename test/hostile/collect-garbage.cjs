// Preloaded into the demo by the hostile suite: SIGUSR2 runs a full garbage collection, so the
// suite compares the memory the server keeps after an attack, not garbage not yet collected.
const v8 = require('node:v8');
const vm = require('node:vm');

v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc');
process.on('SIGUSR2', () => collect());
