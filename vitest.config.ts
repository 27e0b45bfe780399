import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The examples import rxdaemon by its name, as a user's code does; in this
// repository the name means the sources.
const alias = {
  'rxdaemon/testing': fileURLToPath(new URL('lib/testing/index.ts', import.meta.url)),
  rxdaemon: fileURLToPath(new URL('lib/index.ts', import.meta.url)),
};

// Two projects: virtual-time specs run in parallel; specs that start real
// processes run one file at a time, in one worker, so a shared 2-core machine
// never starves them past their deadlines.
export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['spec/**/*.spec.ts', 'examples/**/*.spec.ts'],
          exclude: ['spec/integration/**'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['spec/integration/**/*.spec.ts'],
          fileParallelism: false,
          maxWorkers: 1,
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
    ],
    coverage: {
      provider: 'v8',
      include: ['lib/**/*.ts'],
      reporter: ['text-summary', 'text'],
    },
  },
});
