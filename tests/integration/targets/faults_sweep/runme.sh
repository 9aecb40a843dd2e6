#!/usr/bin/env bash
# The fault run of the faults target with two more seeds (make reliability).
set -eu
cd ../faults
FAULT_SEEDS="22 33" exec ./runme.sh "$@"
