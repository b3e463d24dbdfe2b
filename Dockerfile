FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 RENOS_VAR_DIR=/app/var

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
RUN useradd --create-home --uid 1000 renos \
    && mkdir -p /app/var \
    && DJANGO_SECRET_KEY=build-only python manage.py collectstatic --noinput \
    && chown -R renos:renos /app/var
USER renos

EXPOSE 8000
CMD ["gunicorn", "renos.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
