# practicebot: build the wheel in one stage, install only the wheel in the next.
#   docker build -t practicebot .
#   docker run -d --name practicebot -e DISCORD_TOKEN -v practicebot-data:/data practicebot
# The README's "Docker" section has the rest; compose.yaml beside this file is a worked example.

FROM python:3.11-slim AS build
WORKDIR /src
# exactly what the wheel is made of: the package, the question packs, and the metadata
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY questions ./questions
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /dist .
# the dependencies at the versions CI tested, not whatever is newest on the day of the build
COPY constraints.txt /dist/

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PRACTICEBOT_DATABASE=/data/practicebot.sqlite3 \
    PRACTICEBOT_MONITORING=1 \
    PRACTICEBOT_HOST=0.0.0.0
# a fixed uid, so a host folder mounted at /data can be given to it: chown 10001 ./data
RUN groupadd --system --gid 10001 practicebot \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin practicebot \
    && mkdir -p /data /config \
    && chown practicebot:practicebot /data
COPY --from=build /dist/ /tmp/dist/
# with the PostgreSQL driver: a team past one host sets database = "postgresql://..."
RUN pip install --no-cache-dir -c /tmp/dist/constraints.txt "$(ls /tmp/dist/practicebot-*.whl)[postgresql]" \
    && rm -rf /tmp/dist
# a config file mounted as /config/practicebot.toml is found without flags; without one the
# built-in defaults apply and everything else comes from the environment
WORKDIR /config
USER 10001:10001
VOLUME ["/data"]
# [server] port: /healthz, /metrics, and Slack's HTTP mode
EXPOSE 3000
# SIGTERM stops practicebot gracefully: in-flight posts finish (at most 8 s), then it exits,
# inside `docker stop`'s default 10 s
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["practicebot", "health"]
ENTRYPOINT ["practicebot"]
CMD ["run"]
