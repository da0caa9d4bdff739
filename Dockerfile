# Tenure's worker and intake. Untested here (no Docker engine on the build machine).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY policies ./policies
COPY templates ./templates
COPY examples ./examples
USER node
ENTRYPOINT ["node", "bin/tenure.mjs"]
CMD ["start", "--role", "all"]
