#!/bin/sh
# The repository stands alone: a person who clones it has nothing beside
# it, so no file may point outside it (the design and style live in doc/,
# the JSON corpus in tests/data/).
. "$(dirname "$0")/../lib.sh"
cd "$T_ROOT"
files=$(git ls-files 2>/dev/null) || files=$(find . -path ./.git -prune -o -path ./build -prune -o -type f -print)
# The pattern is built so that this file does not match itself.
up='\.\./'
hits=$(printf '%s\n' "$files" | grep -v '^tests/data/' | xargs grep -lE "${up}(\.\./)*shared" 2>/dev/null)
t_ok "no file refers to a shared folder outside the repository" test -z "$hits"
[ -z "$hits" ] || printf '    %s\n' $hits
for f in doc/DESIGN.md doc/STYLE.md tests/data/JSONTestSuite/LICENSE tests/data/README.md; do
	t_ok "$f is in the repository" test -s "$f"
done
n=$(ls tests/data/JSONTestSuite/test_parsing | wc -l)
t_ok "the JSONTestSuite corpus is complete (318 cases, $n here)" test "$n" = 318
t_done
