#!/usr/bin/env bash
# Prepare the benchmark environment: the native libraries WeasyPrint loads
# through cffi (Pango, HarfBuzz's subsetter) and bench/.venv with the pinned
# peers. Idempotent: a second run only checks that everything is in place.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"

# Debian packages WeasyPrint needs at run time (it dlopen()s them).
debs=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1)
missing=()
for pkg in "${debs[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
        || missing+=("$pkg")
done
if ((${#missing[@]})); then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ ! -x "$venv/bin/python" ]; then
    python="$("$here/../tools/find-python")"  # the interpreter make uses
    "$python" -m venv "$venv"
fi
# Reinstall only when the pins changed since the last successful install.
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$here/requirements.txt"
    echo "$want" > "$stamp"
fi
# archivist as `make` installs it: requirements.lock alone, with the prepared fonts and
# hyphenation patterns, and the working tree's src/ on PYTHONPATH when it runs. The project's
# own .venv also holds the test dependencies once `make test` ran, and pypdf imports fontTools
# whenever it is installed: a start-up no user's install pays.
arch="$here/.venv-archivist"
if [ ! -x "$arch/bin/python" ]; then
    python="$("$here/../tools/find-python")"
    "$python" -m venv "$arch"
fi
stamp="$arch/.requirements.sha256"
want="$(sha256sum "$here/../requirements.lock" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    "$arch/bin/python" -m pip install -q --disable-pip-version-check -r "$here/../requirements.lock"
    echo "$want" > "$stamp"
fi
PYTHONPATH="$here/../src" "$arch/bin/python" -m archivist.hyphenation >/dev/null
PYTHONPATH="$here/../src" "$arch/bin/python" -m archivist.fonts >/dev/null

echo "bench/.venv ready: $("$venv/bin/python" -c 'import typst, weasyprint; print("typst", typst.__version__ if hasattr(typst, "__version__") else "?", "weasyprint", weasyprint.__version__)')"
