import { defineConfig } from 'vitest/config';

// Two projects: virtual-time specs run in parallel; specs that start real
// processes run one file at a time, in one worker, so a shared 2-core machine
// never starves them past their deadlines.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['spec/**/*.spec.ts'],
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
