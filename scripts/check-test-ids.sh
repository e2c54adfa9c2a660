#!/usr/bin/env bash
# Fails when the test ids change from one collection to the next. An id built from the clock,
# random data or a memory address cannot be rerun by name, hides which case failed, and breaks
# pytest-xdist (its workers must collect the very same tests in the same order).
# Collects twice, a second apart, and names the ids that differ.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
export LC_ALL=C  # sort and comm must agree on one order

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

collect() {
  if ! "$PY" -m pytest --collect-only -q -p no:cacheprovider >"$work/$1.out" 2>&1; then
    cat "$work/$1.out"
    echo "Test ids: the tests could not be collected (above)." >&2
    exit 1
  fi
  grep '::' "$work/$1.out" >"$work/$1" || true
}

collect first
sleep 1
collect second

if [[ ! -s "$work/first" ]]; then
  echo "Test ids: no tests were collected." >&2
  exit 1
fi
if cmp -s "$work/first" "$work/second"; then
  echo "Test ids: $(wc -l <"$work/first") ids, the same in two collections a second apart."
  exit 0
fi

echo "Test ids differ between two collections a second apart." >&2
sort "$work/first" >"$work/first.sorted"
sort "$work/second" >"$work/second.sorted"
only_first=$(comm -23 "$work/first.sorted" "$work/second.sorted")
only_second=$(comm -13 "$work/first.sorted" "$work/second.sorted")
if [[ -n "$only_first$only_second" ]]; then
  echo "Give these cases fixed ids (ids=[...] or pytest.param(..., id=...)):" >&2
fi
if [[ -n "$only_first" ]]; then
  echo "  only in the first collection:" >&2
  sed 's/^/    /' <<<"$only_first" >&2
fi
if [[ -n "$only_second" ]]; then
  echo "  only in the second collection:" >&2
  sed 's/^/    /' <<<"$only_second" >&2
fi
if [[ -z "$only_first$only_second" ]]; then
  echo "The same ids in another order: sort the values (a set's order reaching parametrize?):" >&2
  diff "$work/first" "$work/second" | grep '^[<>]' | head -n 40 | sed 's/^/    /' >&2
fi
exit 1
