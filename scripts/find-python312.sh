#!/usr/bin/env sh
# Print the path of a working Python 3.12 interpreter, or explain what to install.
# Order: $PYTHON312, python3.12 on PATH, pyenv's 3.12.x, python3 if it is 3.12.
# A pyenv shim named python3.12 exists even when 3.12 is not the active version, so
# every candidate is run, not merely looked up.
is_312() {
    "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 12) else 1)' >/dev/null 2>&1
}

for candidate in "${PYTHON312:-}" python3.12; do
    [ -n "$candidate" ] || continue
    path=$(command -v "$candidate" 2>/dev/null) || continue
    if is_312 "$path"; then
        "$path" -c 'import sys; print(sys.executable)'
        exit 0
    fi
done

if command -v pyenv >/dev/null 2>&1; then
    root=$(pyenv root)
    for version in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.12(\.[0-9]+)?$' | sort -t. -k3 -n -r); do
        path="$root/versions/$version/bin/python3.12"
        if [ -x "$path" ] && is_312 "$path"; then
            echo "$path"
            exit 0
        fi
    done
fi

if command -v python3 >/dev/null 2>&1 && is_312 python3; then
    python3 -c 'import sys; print(sys.executable)'
    exit 0
fi

cat >&2 <<'MSG'
Python 3.12 was not found (the rule runs on the Lambda runtime python3.12).
Install it, then run make again. For example:
  pyenv install 3.12        (then make finds it through pyenv)
  apt-get install python3.12 python3.12-venv
  brew install python@3.12
or point PYTHON312 at an interpreter: make test PYTHON312=/path/to/python3.12
MSG
exit 1
