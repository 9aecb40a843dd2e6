#!/usr/bin/env bash
# Source this file with BIN set (a virtual environment's bin folder) and WORK (an empty folder): it builds the
# collection, installs the tarball into $WORK/collections as a user would, and exports what a user's shell then has:
# PATH with $BIN first, ANSIBLE_COLLECTIONS_PATH, and PYTHONWARNINGS without the one warning ansible-core's
# dependencies print on every start (as make demo filters it). Used by the guides' steps and the rulebook test.
repo="${repo:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
"$BIN/ansible-galaxy" collection build "$repo" --output-path "$WORK/build" --force >/dev/null
ANSIBLE_COLLECTIONS_PATH="$WORK/collections" "$BIN/ansible-galaxy" collection install \
    "$WORK"/build/ncloud-kms-*.tar.gz -p "$WORK/collections" --force >/dev/null
export PATH="$BIN:$PATH" ANSIBLE_COLLECTIONS_PATH="$WORK/collections" PYTHONWARNINGS="ignore:DSA is deprecated"
