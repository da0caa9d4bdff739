import { defineConfig } from 'vitest/config';

// `npm run test:production`: Tenure on the production shape (scripts/production/up.sh: PostgreSQL
// and Temporal's four services). Not part of `npm test`: it needs the server built with Go first
// (scripts/production/build.sh) and takes minutes.
export default defineConfig({
  test: {
    include: ['test/production/**/*.production.ts'],
    pool: 'forks',
    // One cluster at a time: the machine's cores are the test's load.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 420_000,
  },
});
