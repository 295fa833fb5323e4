# tinbai in a container: one image for the poller (`tinbai run`) and the web pages
# (`tinbai serve`); compose.yaml runs both on one volume. Build: docker compose build
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1

# libjpeg-turbo's TurboJPEG library (under 1 MB) reads the DCT coefficients of JPEG
# photos for the photo rules; without it tinbai's Python decoder gives the same verdicts
# many times more slowly (tinbai doctor says which is used).
# LibreOffice Writer reads Word 97-2003 .doc attachments; without it such mail gets the
# problem unsupported_document. Build with --build-arg WITH_LIBREOFFICE=false to save
# about 400 MB.
ARG WITH_LIBREOFFICE=true
RUN apt-get update \
    && apt-get install -y --no-install-recommends libturbojpeg0 \
    && if [ "$WITH_LIBREOFFICE" = "true" ]; then \
        apt-get install -y --no-install-recommends libreoffice-writer-nogui; \
    fi \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/tinbai
COPY pyproject.toml README.md ./
COPY ingest ./ingest
COPY validators ./validators
COPY store ./store
COPY notifier ./notifier
COPY tinbai ./tinbai
RUN pip install . && rm -rf /opt/tinbai/build

# Everything tinbai keeps (config.yaml, the data folder, backups) lives in one volume.
RUN useradd --system --uid 10001 --home-dir /srv/tinbai tinbai \
    && mkdir -p /srv/tinbai && chown tinbai /srv/tinbai
USER tinbai
WORKDIR /srv/tinbai
VOLUME ["/srv/tinbai"]

# `doctor --quick`: config, data folder, database, last successful poll (no server
# logins every few minutes, which could get the account locked).
HEALTHCHECK --interval=5m --timeout=60s --start-period=2m \
    CMD ["tinbai", "--config", "/srv/tinbai/config.yaml", "doctor", "--quick"]

# SIGTERM (docker stop) finishes the current message, then exits.
STOPSIGNAL SIGTERM
CMD ["tinbai", "--config", "/srv/tinbai/config.yaml", "run"]
