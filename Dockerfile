# Production image: gunicorn + whitenoise. Assets are compiled at build time.
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY assets ./assets
COPY scripts ./scripts
RUN npm run build

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# msgfmt compiles the Welsh catalogue (the .mo files are not kept in git).
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
COPY --from=assets /app/static/build ./static/build
RUN for po in locale/*/LC_MESSAGES/django.po; do msgfmt --check-format -o "${po%.po}.mo" "$po"; done
RUN DEBUG=false SECRET_KEY=build-only ALLOWED_HOSTS=* python manage.py collectstatic --noinput
EXPOSE 8000
# Workers, threads, keep-alive and timeouts: gunicorn.conf.py (chosen by measurement, ADR 0020).
CMD ["gunicorn", "-c", "gunicorn.conf.py", "platform_core.wsgi:application"]
