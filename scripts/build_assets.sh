#!/bin/sh
# Compile GOV.UK Frontend for Convene and copy its runtime assets under static/.
# Run after `npm ci`:  npm run build
#   static/build/application.css        Sass from assets/scss (Arial, no webfonts)
#   static/build/govuk-frontend.min.js  the ES module, loaded with type="module"
#   static/govuk/assets/images, manifest.json  favicons referenced by the CSS and base.html
# No fonts are copied: GDS Transport is for GOV.UK only.
set -eu
cd "$(dirname "$0")/.."

GOVUK=node_modules/govuk-frontend/dist/govuk
if [ ! -d "$GOVUK" ]; then
  echo "govuk-frontend is not installed: run 'npm ci' first" >&2
  exit 1
fi

mkdir -p static/build static/govuk/assets
npx --no-install sass \
  --pkg-importer=node \
  --no-source-map \
  --style=compressed \
  --quiet-deps \
  assets/scss/application.scss static/build/application.css

cp "$GOVUK/govuk-frontend.min.js" static/build/govuk-frontend.min.js
rm -rf static/govuk/assets/images
cp -R "$GOVUK/assets/images" static/govuk/assets/images
cp "$GOVUK/assets/manifest.json" static/govuk/assets/manifest.json
echo "Built static/build/application.css and copied GOV.UK Frontend assets."
