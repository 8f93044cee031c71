#!/usr/bin/env bash
# Print the path of a Python interpreter >= 3.12: first on PATH, then pyenv's (oldest
# suitable version first: the one the dependencies are most tested on).
# Exits 1 with a message naming what was tried if there is none.
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
tried=()
for name in python3.12 python3.13 python3.14 python3 python; do
  p=$(command -v "$name" 2>/dev/null) || continue
  tried+=("$p")
  if ok "$p"; then echo "$p"; exit 0; fi
done
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root)
  for p in $(ls -d "$root"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -V); do
    tried+=("$p")
    if ok "$p"; then echo "$p"; exit 0; fi
  done
fi
echo "lbsim needs Python >= 3.12 (Mesa 3.5 requires it); none found. Tried: ${tried[*]:-nothing}." >&2
echo "Install one (e.g. 'pyenv install 3.12' or your system's python3.12 package) and retry." >&2
exit 1
