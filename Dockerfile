# The lab in a Linux container, for docker-compose.yml: the server and client "hosts", and the
# `lab` service that runs any scenario on machines that are not Linux (macOS, Windows).
FROM node:24-slim

# iproute2: `ss` for the socket table, `ip` for the lab's network namespaces.
RUN apt-get update \
  && apt-get install -y --no-install-recommends iproute2 \
  && rm -rf /var/lib/apt/lists/*

WORKDIR /lab
COPY package.json package-lock.json ./
# The image's Node 24 runs the lab; the npm `node` runtime and the test tools are dev dependencies.
RUN npm ci --omit=dev --ignore-scripts
COPY tsconfig.json ./
COPY harness harness
COPY servers servers
COPY scenarios scenarios
# The Go client's source, shown next to its fix; building and running it needs Go (golang-go), not in this image.
COPY clients clients
RUN mkdir -p results

CMD ["npm", "run", "scenario", "--", "--list"]
