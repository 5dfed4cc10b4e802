# auditor as a container: `docker run --rm -v "$PWD/reports:/reports" auditor` runs the demo scan.
# Built in two stages so the runtime image holds wheels only, no build tools or sources.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY auditor ./auditor
COPY checks ./checks
COPY report_templates ./report_templates
# Every wheel (ours and the dependencies) is built here so the runtime stage installs offline.
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
# No .pyc files (the root filesystem may be read-only), logs unbuffered, reports in /reports.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    AUDITOR_OUTPUT_DIR=/reports \
    HOME=/tmp
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links=/wheels pinpoint-auditor \
    && rm -rf /wheels \
    && groupadd --system --gid 10001 auditor \
    && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
       --shell /usr/sbin/nologin auditor \
    && mkdir /reports && chown 10001:10001 /reports
# Writes go only to /reports (reports, history) and /tmp: run with --read-only and mount both.
VOLUME ["/reports", "/tmp"]
WORKDIR /reports
USER 10001:10001
ENTRYPOINT ["auditor"]
CMD ["scan", "--demo"]
