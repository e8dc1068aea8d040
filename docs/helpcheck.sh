#!/bin/sh
# helpcheck.sh [REF]: check that every command's --help text of the recurrent
# binary built from the working tree is byte-identical to that of the binary
# built from git revision REF (default main). It walks the command tree from
# "recurrent help" down through each "Available Commands:" list, writes
# "recurrent PATH --help" of every command to a file per binary, and diffs the
# two directories; the exit status is diff's. Run it from the repository root
# after moving or editing help text that should print unchanged.
set -eu
ref=${1:-main}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# dump BINARY DIR: write the help of every command of BINARY to DIR.
dump() {
	bin=$1 out=$2
	mkdir -p "$out"
	"$bin" help >"$out/root.txt" 2>&1
	for c in $(subcommands "$out/root.txt"); do
		walk "$bin" "$out" "$c"
	done
}

# subcommands FILE: the command names listed under "Available Commands:".
subcommands() {
	awk '/^Available Commands:/ { on = 1; next } /^$/ { on = 0 } on { print $1 }' "$1"
}

# walk BINARY DIR NAME...: dump the help of the command NAME... and recurse.
walk() {
	bin=$1 out=$2
	shift 2
	file="$out/$(echo "$*" | tr ' ' -).txt"
	"$bin" "$@" --help >"$file" 2>&1
	for sub in $(subcommands "$file"); do
		walk "$bin" "$out" "$@" "$sub"
	done
}

git archive --prefix=old/ "$ref" | tar -x -C "$tmp"
(cd "$tmp/old" && go build -o "$tmp/recurrent-old" ./cmd/recurrent)
go build -o "$tmp/recurrent-new" ./cmd/recurrent
dump "$tmp/recurrent-old" "$tmp/help-old"
dump "$tmp/recurrent-new" "$tmp/help-new"
echo "helpcheck: $(ls "$tmp/help-old" | wc -l) help texts of $ref, $(ls "$tmp/help-new" | wc -l) of the working tree"
diff -r "$tmp/help-old" "$tmp/help-new"
echo "helpcheck: identical"
