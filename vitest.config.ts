import { defineConfig } from 'vitest/config';

/** The package's export condition that points at its TypeScript sources (package.json `exports`). */
const SOURCE_CONDITION = 'asyncapi-sse-source';

// Processes the tests start (`node --import tsx demo/server.ts`, say) import the package from source too.
process.env.NODE_OPTIONS = [process.env.NODE_OPTIONS, `--conditions=${SOURCE_CONDITION}`].filter(Boolean).join(' ');

export default defineConfig({
  resolve: { conditions: [SOURCE_CONDITION] },
  ssr: { resolve: { conditions: [SOURCE_CONDITION] } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
