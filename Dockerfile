# RenOS: one image for web (gunicorn), worker and beat (Celery); docker-compose.yml runs all three.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RENOS_VAR_DIR=/app/var \
    DJANGO_SETTINGS_MODULE=renos.settings

WORKDIR /app
RUN useradd --create-home --uid 1000 --shell /usr/sbin/nologin renos
# DejaVu Sans for the invoice PDF: every customer's name printed as written (RENOS_INVOICE_FONT_DIR).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so a code change does not reinstall them.
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

# The code belongs to root and is read-only for the app; only var/ (static files, local files) is the app's.
COPY . .
# collectstatic needs settings but no secrets: a throwaway key, never written to the image.
RUN DJANGO_ENV=local DJANGO_DEBUG=false \
        DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
        python manage.py collectstatic --noinput \
    && rm -f /app/var/secret_key \
    && chown -R renos:renos /app/var

# From here on the production defaults apply: DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS must be set.
ENV DJANGO_ENV=production PORT=8000
USER renos
EXPOSE 8000

# The health check asks as the proxy would (a host the site answers to, over HTTPS), so neither the host check nor
# the HTTPS redirect turns it away; any answer but 200 (a 503 names the failing check) marks the container unhealthy.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD python -c "import os, urllib.request as r; \
host = os.environ.get('DJANGO_ALLOWED_HOSTS', '').split(',')[0].strip().lstrip('.'); \
host = host if host not in ('', '*') else 'localhost'; \
r.urlopen(r.Request('http://127.0.0.1:' + os.environ.get('PORT', '8000') + '/health/', \
headers={'Host': host, 'X-Forwarded-Proto': 'https'}), timeout=8)"

# Static files come from whitenoise (compressed, with hashed names from collectstatic's manifest).
# GUNICORN_WORKERS processes of GUNICORN_THREADS threads each; a worker is recycled after about 1000 requests.
CMD ["sh", "-c", "exec gunicorn renos.wsgi:application --bind 0.0.0.0:${PORT:-8000} --workers ${GUNICORN_WORKERS:-3} --threads ${GUNICORN_THREADS:-4} --timeout ${GUNICORN_TIMEOUT:-60} --max-requests 1000 --max-requests-jitter 100 --access-logfile -"]
